"""Publish frames stay within the gateway's advertised ``max_frame_bytes``. Scaled down: 17
messages of a 16 KiB payload against a 100 kB frame limit stand for 17 MiB against 16 MiB."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator

import grpc
import pytest

from gateway_process import GatewayProcess
from names import unique
from waits import until
from tidegate import Message, PublishError, TidegateClient

MAX_PAYLOAD = 16 * 1024
MAX_FRAME = 100_000


@pytest.fixture(scope="module")
def small_frames() -> Iterator[GatewayProcess]:
    with GatewayProcess(0, f"--limits.max-payload-bytes={MAX_PAYLOAD}", f"--limits.max-frame-bytes={MAX_FRAME}",
                        f"--grpc.max-inbound-message-bytes={1024 * 1024}") as g:
        yield g


def full_payload(topic: str, i: int) -> Message:
    return Message(topic=topic, payload=bytes([i]) + bytes(MAX_PAYLOAD - 1))


async def test_batch_over_the_frame_limit_is_split_and_the_subscription_survives(small_frames: GatewayProcess) -> None:
    topic = unique("frames.big")
    # a linger far longer than the test: the 17 messages leave together, only on flush
    async with TidegateClient([small_frames.endpoint], linger=3600.0) as c:
        assert c.welcome is not None and c.welcome.limits.max_frame_bytes == MAX_FRAME
        got: list[int] = []
        await c.subscribe([topic], lambda m: got.append(m.message.payload[0]), timeout=10)
        futures = [c.publish(full_payload(topic, i)) for i in range(17)]
        await c.flush(timeout=10)
        receipts = await asyncio.gather(*futures)
        assert all(r.position.topic == topic for r in receipts)
        await until(lambda: len(got) == 17, what="17 deliveries")
        assert got == list(range(17))
        # the same stream still carries publishes and deliveries
        after = c.publish(full_payload(topic, 99))
        await c.flush(timeout=10)
        assert (await after).position.topic == topic
        await until(lambda: len(got) == 18, what="the delivery after the split batch")


async def test_message_larger_than_a_frame_is_refused_locally_naming_the_limit(small_frames: GatewayProcess) -> None:
    topic = unique("frames.huge")
    async with TidegateClient([small_frames.endpoint], linger=3600.0) as c:
        huge = full_payload(topic, 0)
        huge.headers["padding"] = "x" * MAX_FRAME  # within max-payload-bytes, over the frame limit with its headers
        refused = c.publish(huge)
        fine = c.publish(full_payload(topic, 1))
        await c.flush(timeout=10)
        with pytest.raises(PublishError) as e:
            await refused
        assert e.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "max_frame_bytes" in e.value.message and str(MAX_FRAME) in e.value.message
        assert (await fine).position.topic == topic
