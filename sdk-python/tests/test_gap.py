"""A real gateway with a small retention (``retention.max-length=10``), memory and Redis backends:
a broadcast subscriber whose handler stalls (so it grants no credit) while its topic moves on past
retention hears of the hole through ``on_gap``, with how many messages it lost, after the messages
before the hole and before the rest, which follow in order."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gateway_process import GatewayProcess
from names import unique
from redis_process import RedisProcess
from tidegate import Gap, Message, ReceivedMessage, TidegateClient
from waits import until


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_a_stalled_subscriber_hears_of_the_hole_in_order_with_its_messages(backend: str, tmp_path: Path) -> None:
    topic = unique(f"gap.{backend}")
    with RedisProcess() as redis:
        args = ["--retention.max-length=10", f"--backend.type={backend}", f"--resilience.spool.dir={tmp_path / 'spool'}"]
        if backend == "redis":
            args.append(f"--backend.redis.uri={redis.uri}")
        with GatewayProcess(0, *args) as gateway:
            async with TidegateClient(gateway.endpoint) as client:
                seen: list[bytes | Gap] = []
                stalled = asyncio.Event()
                resume = asyncio.Event()

                async def handler(m: ReceivedMessage) -> None:
                    seen.append(m.payload)
                    if len(seen) == 1:
                        stalled.set()
                        await resume.wait()

                sub = await client.subscribe([topic], handler, credit=5, on_gap=seen.append)
                first = [await client.publish(Message(topic=topic, payload=f"a{i}".encode())) for i in range(5)]
                await asyncio.wait_for(stalled.wait(), 20)
                # all five are here (one in the handler, four waiting), so no credit is left at the gateway
                await until(lambda: sub.buffered == 5, what="the first five messages")
                later: list[bytes] = []
                for batch in range(10):
                    run = [f"b{batch}-{i}".encode() for i in range(100)]
                    later.extend(run)
                    await asyncio.gather(*(client.publish(Message(topic=topic, payload=p)) for p in run))

                resume.set()
                await until(lambda: later[-1] in seen, timeout=30, what="the newest message")

                assert seen[:5] == [b"a0", b"a1", b"a2", b"a3", b"a4"]
                gap = seen[5]
                assert isinstance(gap, Gap), seen[:8]
                rest = seen[6:]
                assert all(isinstance(m, bytes) for m in rest)
                assert gap.subscription_id == sub.id
                assert gap.topic == topic
                assert gap.from_position == first[4].position
                assert gap.lost == len(later) - len(rest)
                assert gap.lost > 0
                assert rest == later[len(later) - len(rest):]
                assert sub.gaps == [gap]
