"""Failover between two real gateway replicas sharing one real redis-server: a client given both
endpoints moves to the other replica when its own is SIGKILLed, re-sends unacknowledged publishes
(deduplicated by id) and resumes its subscriptions where they were."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_process import GatewayProcess
from names import unique
from redis_process import RedisProcess
from tidegate import Message, ReceivedMessage, SubscriptionMode, TidegateClient
from waits import until


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    with RedisProcess() as redis:
        a = GatewayProcess(0, f"--backend.redis.uri={redis.uri}", f"--resilience.spool.dir={tmp_path / 'a'}",
                           "--gateway-id=replica-a").start()
        try:
            b = GatewayProcess(0, f"--backend.redis.uri={redis.uri}", f"--resilience.spool.dir={tmp_path / 'b'}",
                               "--gateway-id=replica-b").start()
            try:
                yield a, b
            finally:
                b.kill()
        finally:
            a.kill()


def both(a: GatewayProcess, b: GatewayProcess) -> TidegateClient:
    return TidegateClient([a.endpoint, b.endpoint], backoff_initial=0.05, backoff_max=0.5)


async def test_client_fails_over_to_the_other_replica_and_resumes(replicas) -> None:  # type: ignore[no-untyped-def]
    a, b = replicas
    topic = unique("failover.quotes")
    async with both(a, b) as pub, both(a, b) as sub:
        assert pub.welcome is not None and pub.welcome.gateway_id == "replica-a"
        got: list[bytes] = []
        await sub.subscribe([topic], lambda m: got.append(m.payload))
        for i in range(100):
            await pub.publish(Message(topic=topic, payload=b"%03d" % i))
        await until(lambda: len(got) == 100)

        a.kill()  # SIGKILL: no GoAway, the streams just break
        # published while the clients find replica B: held by the SDK, sent there, acked there
        receipts = await asyncio.wait_for(
            asyncio.gather(*(pub.publish(Message(topic=topic, payload=b"%03d" % i)) for i in range(100, 200))), 30)
        assert all(r.position.topic == topic for r in receipts)
        assert pub.welcome is not None and pub.welcome.gateway_id == "replica-b"
        await until(lambda: len(got) >= 200, timeout=30, what="the subscriber to resume on replica B")
        await asyncio.sleep(0.3)
        assert sub.welcome is not None and sub.welcome.gateway_id == "replica-b"
        assert got == [b"%03d" % i for i in range(200)]  # no gap, no repeat, in order


async def test_group_member_work_survives_a_killed_replica(replicas) -> None:  # type: ignore[no-untyped-def]
    a, b = replicas
    topic = unique("failover.jobs")
    group = unique("workers")
    async with TidegateClient([b.endpoint]) as pub, both(a, b) as member:
        seen: list[tuple[bytes, int]] = []
        release = asyncio.Event()

        async def handle(m: ReceivedMessage) -> None:
            seen.append((m.payload, m.delivery_count))
            if m.delivery_count == 1:
                await release.wait()  # mid-job when the replica dies: never acked there

        await member.subscribe([topic], handle, mode=SubscriptionMode.GROUP, group=group, ack_deadline=1.0)
        await pub.publish(Message(topic=topic, payload=b"job-1"))
        await until(lambda: len(seen) == 1)
        a.kill()
        await until(lambda: member.connected and member.welcome is not None
                    and member.welcome.gateway_id == "replica-b", timeout=30, what="failover to replica B")
        release.set()
        await until(lambda: len(seen) == 2, timeout=30, what="redelivery of the unacked job on replica B")
        assert seen == [(b"job-1", 1), (b"job-1", 2)]


async def test_publishes_survive_a_draining_replica(replicas) -> None:  # type: ignore[no-untyped-def]
    """SIGTERM on replica A while a client publishes steadily through it: publishes A refuses while
    it drains are sent again on replica B, so none fails and the subscriber on B gets every one."""
    a, b = replicas
    topic = unique("failover.drain")
    async with both(a, b) as pub, TidegateClient([b.endpoint]) as sub:
        got: list[bytes] = []
        await sub.subscribe([topic], lambda m: got.append(m.payload))
        futures = []
        stopping = asyncio.get_running_loop().run_in_executor(None, a.stop)
        for i in range(400):
            futures.append(pub.publish(Message(topic=topic, payload=b"%04d" % i)))
            await asyncio.sleep(0.005)
        assert await stopping is not None, "replica A exited"
        receipts = await asyncio.wait_for(asyncio.gather(*futures), 30)  # raises on any failed publish
        assert len(receipts) == 400
        await until(lambda: len(got) >= 400, timeout=30, what="every publish delivered")
        assert sorted(got) == [b"%04d" % i for i in range(400)]
