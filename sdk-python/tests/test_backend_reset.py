"""A real gateway on a real redis-server that is flushed under it: each subscription hears of the
loss through ``on_reset`` (and ``sub.resets``) once, and goes on receiving what is published
afterwards."""
from __future__ import annotations

import time
from pathlib import Path

from gateway_process import GatewayProcess
from names import unique
from redis_process import RedisProcess
from tidegate import BackendReset, Message, ReceivedMessage, SubscriptionMode, TidegateClient
from waits import until


async def test_a_flushed_redis_reaches_on_reset_and_subscriptions_go_on(tmp_path: Path) -> None:
    topic = unique("reset.jobs")
    with RedisProcess() as redis, GatewayProcess(0, f"--backend.redis.uri={redis.uri}",
                                                 f"--resilience.spool.dir={tmp_path / 'spool'}") as gateway:
        async with TidegateClient(gateway.endpoint) as client:
            told: list[BackendReset] = []
            seen: list[bytes] = []
            worked: list[bytes] = []

            async def worker_reset(notice: BackendReset) -> None:
                told.append(notice)

            def on_all(m: ReceivedMessage) -> None:
                seen.append(m.payload)

            def on_work(m: ReceivedMessage) -> None:
                worked.append(m.payload)

            everything = await client.subscribe([topic], on_all, on_reset=told.append)
            workers = await client.subscribe([topic], on_work, mode=SubscriptionMode.GROUP,
                                             group=unique("workers"), on_reset=worker_reset)
            await client.publish(Message(topic=topic, payload=b"before"))
            await until(lambda: len(seen) == 1 and len(worked) == 1, what="the first message")
            before_loss_ns = time.time_ns()

            redis.flush_all()

            await until(lambda: len(told) == 2, timeout=20, what="a BackendReset per subscription")
            assert sorted(n.subscription_id for n in told) == sorted([everything.id, workers.id])
            assert all("Redis lost its stored data" in n.reason for n in told)
            assert all(n.detected_at_ns >= before_loss_ns - 1_000_000_000 for n in told)
            assert [n.subscription_id for n in everything.resets] == [everything.id]
            await client.publish(Message(topic=topic, payload=b"after"))
            await until(lambda: len(seen) == 2 and len(worked) == 2, timeout=20, what="a message after the loss")
            assert seen == [b"before", b"after"]
            assert worked == [b"before", b"after"]
            assert everything.active and workers.active
            assert len(told) == 2
