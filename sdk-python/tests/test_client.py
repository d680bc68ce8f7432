"""The client against a real gateway jar (memory backend)."""
from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from names import unique
from waits import until
from tcp_proxy import TcpProxy
from tidegate import (Message, Position, PublishError, ReceivedMessage, Start, SubscribeError, SubscriptionMode,
                      TidegateClient)
from tidegate.v1 import gateway_pb2 as pb
from tidegate.v1 import gateway_pb2_grpc as pb_grpc


def fast_client(endpoint: str, **kw: object) -> TidegateClient:
    kw.setdefault("backoff_initial", 0.05)
    kw.setdefault("backoff_max", 0.5)
    return TidegateClient([endpoint], **kw)  # type: ignore[arg-type]


async def test_publish_is_acked_with_positions_in_order(endpoint: str) -> None:
    topic = unique("test.pub")
    async with fast_client(endpoint) as c:
        assert c.welcome is not None and c.welcome.session_id and c.welcome.limits.max_batch_messages > 0
        msgs = [Message(topic=topic, payload=b"%d" % i) for i in range(50)]
        receipts = await asyncio.gather(*(c.publish(m) for m in msgs))
        assert [r.message_id for r in receipts] == [m.id for m in msgs]
        assert all(uuid.UUID(r.message_id).version == 4 for r in receipts)
        assert all(r.position.topic == topic and not r.duplicate for r in receipts)
        keys = [r.position.sort_key for r in receipts]
        assert keys == sorted(keys) and len(set(keys)) == 50
        # a retried publish with the same id gets the original position back
        again = await c.publish(Message(id=msgs[7].id, topic=topic, payload=b"7"))
        assert again.duplicate and again.position == receipts[7].position


async def test_per_message_error_leaves_the_batch_alone(endpoint: str) -> None:
    topic = unique("test.err")
    async with fast_client(endpoint, linger=0.05) as c:
        good1 = c.publish(Message(topic=topic, payload=b"1"))
        bad = c.publish(Message(topic="a..b", payload=b"x"))
        good2 = c.publish(Message(topic=topic, payload=b"2"))  # all three leave in one batch
        with pytest.raises(PublishError) as e:
            await bad
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert "empty segment" in e.value.message and "a..b" in e.value.message
        assert e.value.message_id
        r1, r2 = await good1, await good2
        assert r1.position.sort_key < r2.position.sort_key
        big = c.publish(Message(topic=topic, payload=b"x" * (c.welcome.limits.max_payload_bytes + 1)))
        with pytest.raises(PublishError) as e:
            await big
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert (await c.publish(Message(topic=topic))).position.topic == topic  # the stream survived


async def test_bad_pattern_is_refused(endpoint: str) -> None:
    async with fast_client(endpoint) as c:
        with pytest.raises(SubscribeError) as e:
            await c.subscribe(["data..x"], lambda m: None, timeout=10)
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(SubscribeError) as e:
            await c.subscribe(["data.x"], lambda m: None, mode=SubscriptionMode.GROUP, timeout=10)  # no group
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_broadcast_subscribers_each_get_everything_in_order(endpoint: str) -> None:
    prefix = unique("test.bc")
    async with fast_client(endpoint) as pub, fast_client(endpoint) as s1, fast_client(endpoint) as s2:
        got1: list[ReceivedMessage] = []
        got2: list[bytes] = []

        async def slow(m: ReceivedMessage) -> None:
            await asyncio.sleep(0)
            got2.append(m.payload)

        await s1.subscribe([f"{prefix}.*"], got1.append, credit=16)
        await s2.subscribe([f"{prefix}.>"], slow)
        topic = f"{prefix}.BTCUSDT"  # a topic first published after the pattern subscriptions
        sent = [b"%04d" % i for i in range(300)]
        await asyncio.gather(*(pub.publish(Message(topic=topic, payload=p)) for p in sent))
        await until(lambda: len(got1) == 300 and len(got2) == 300, what="300 deliveries each")
        assert [m.payload for m in got1] == sent and got2 == sent
        assert all(m.delivery_count == 1 and m.topic == topic for m in got1)
        await asyncio.sleep(0.2)
        assert len(got1) == 300  # nothing twice


async def test_start_earliest_and_after_position(endpoint: str) -> None:
    topic = unique("test.start")
    async with fast_client(endpoint) as c:
        receipts = await asyncio.gather(*(c.publish(Message(topic=topic, payload=b"%d" % i)) for i in range(10)))
        early: list[bytes] = []
        await c.subscribe([topic], lambda m: early.append(m.payload), start=Start.earliest())
        after: list[bytes] = []
        await c.subscribe([topic], lambda m: after.append(m.payload), start=Start.after(receipts[6].position))
        await until(lambda: len(early) == 10 and len(after) == 3)
        assert early == [b"%d" % i for i in range(10)] and after == [b"7", b"8", b"9"]


async def test_group_members_share_the_work(endpoint: str) -> None:
    topic = unique("test.grp")
    group = f"workers-{uuid.uuid4().hex[:6]}"
    async with fast_client(endpoint) as pub, fast_client(endpoint) as a, fast_client(endpoint) as b:
        got: dict[str, list[bytes]] = {"a": [], "b": []}

        def member(name: str):  # type: ignore[no-untyped-def]
            async def handle(m: ReceivedMessage) -> None:
                got[name].append(m.payload)
                await asyncio.sleep(0.002)  # some work, so both members get a share
            return handle

        sa = await a.subscribe([topic], member("a"), mode=SubscriptionMode.GROUP, group=group, credit=5)
        sb = await b.subscribe([topic], member("b"), mode=SubscriptionMode.GROUP, group=group, credit=5)
        assert sa.consumer_name and sb.consumer_name and sa.consumer_name != sb.consumer_name
        sent = {b"%d" % i for i in range(200)}
        await asyncio.gather(*(pub.publish(Message(topic=topic, payload=p)) for p in sent))
        await until(lambda: len(got["a"]) + len(got["b"]) >= 200, what="200 deliveries in the group")
        await asyncio.sleep(0.3)
        assert set(got["a"]) | set(got["b"]) == sent
        assert len(got["a"]) + len(got["b"]) == 200, "a message was delivered twice although acked"
        assert got["a"] and got["b"], f"one member got everything: {len(got['a'])}/{len(got['b'])}"


async def test_group_nack_redelivers_with_delay_and_count(endpoint: str) -> None:
    topic = unique("test.nack")
    async with fast_client(endpoint) as c:
        seen: list[tuple[bytes, int]] = []

        def handle(m: ReceivedMessage) -> None:
            seen.append((m.payload, m.delivery_count))
            if m.delivery_count == 1:
                raise RuntimeError("first attempt fails")  # auto-nack with retry_delay

        await c.subscribe([topic], handle, mode=SubscriptionMode.GROUP, group="g", retry_delay=0.3)
        await c.publish(Message(topic=topic, payload=b"job"))
        await until(lambda: len(seen) == 2, what="redelivery after nack")
        assert seen == [(b"job", 1), (b"job", 2)]
        await asyncio.sleep(0.5)
        assert len(seen) == 2  # acked the second time


async def test_credit_limits_what_is_out(endpoint: str) -> None:
    topic = unique("test.credit")
    async with fast_client(endpoint) as c:
        gate = asyncio.Event()
        started: list[bytes] = []

        async def blocked(m: ReceivedMessage) -> None:
            started.append(m.payload)
            await gate.wait()

        sub = await c.subscribe([topic], blocked, credit=3)
        await asyncio.gather(*(c.publish(Message(topic=topic, payload=b"%d" % i)) for i in range(20)))
        await until(lambda: sub.buffered == 3, what="3 messages out")
        await asyncio.sleep(0.5)
        assert sub.buffered == 3 and started == [b"0"], "the gateway sent beyond the credit granted"
        gate.set()
        await until(lambda: len(started) == 20, what="the rest once credit is granted")
        assert started == [b"%d" % i for i in range(20)]


async def test_conflated_subscriber_gets_latest_per_key_with_counts(endpoint: str) -> None:
    topic = unique("test.conflate")
    keys, quotes = 3, 30
    async with fast_client(endpoint) as c:
        gate = asyncio.Event()
        latest: list[tuple[str, int, int]] = []
        everything: list[bytes] = []

        async def behind(m: ReceivedMessage) -> None:
            await gate.wait()  # stuck on its first quote while the rest pile up
            latest.append((m.topic, int(m.payload), m.conflated_before))

        await c.subscribe([f"{topic}.*"], behind, credit=1, conflate=True)
        await c.subscribe([f"{topic}.*"], lambda m: everything.append(m.payload))
        await asyncio.gather(*(c.publish(Message(topic=f"{topic}.K{k}", payload=b"%d" % q))
                               for q in range(quotes) for k in range(keys)))
        await until(lambda: len(everything) == keys * quotes, what="the plain subscriber to get every quote")
        gate.set()

        def last_is_latest() -> bool:
            last = {t: q for t, q, _ in latest}
            return len(last) == keys and all(q == quotes - 1 for q in last.values())

        await until(last_is_latest, what="the latest quote of every key")
        for k in range(keys):
            got = [(q, before) for t, q, before in latest if t == f"{topic}.K{k}"]
            assert [q for q, _ in got] == sorted(q for q, _ in got)
            assert len(got) + sum(before for _, before in got) == quotes, "each quote delivered or counted"
        assert sum(before for _, _, before in latest) > 0


async def test_raw_stream_credit_is_exact(endpoint: str) -> None:
    """Below the client: the gateway sends exactly as many deliveries as credits granted."""
    topic = unique("test.rawcredit")
    async with fast_client(endpoint) as pub, grpc.aio.insecure_channel(endpoint) as ch:
        call = pb_grpc.GatewayServiceStub(ch).Connect()
        await call.write(pb.ConnectRequest(frame_id=1, hello=pb.Hello(client_name="raw", language="python")))
        assert (await call.read()).HasField("welcome")
        await call.write(pb.ConnectRequest(frame_id=2, subscribe=pb.Subscribe(
            subscription_id="s", patterns=[topic], initial_credit=2)))
        sub = await call.read()
        assert sub.frame_id == 2 and sub.subscribed.credit == 2
        await asyncio.gather(*(pub.publish(Message(topic=topic, payload=b"%d" % i)) for i in range(6)))

        frames: asyncio.Queue[pb.ConnectResponse] = asyncio.Queue()

        async def reader() -> None:  # cancelling call.read() would cancel the RPC: read in a task
            while (f := await call.read()) is not grpc.aio.EOF:
                await frames.put(f)
        read_task = asyncio.create_task(reader())

        async def deliveries(window: float) -> list[bytes]:
            out: list[bytes] = []
            try:
                while True:
                    f = await asyncio.wait_for(frames.get(), window)
                    out += [d.message.payload for d in f.deliveries.deliveries]
            except TimeoutError:
                return out

        assert await deliveries(0.7) == [b"0", b"1"]
        await call.write(pb.ConnectRequest(frame_id=3, credit=pb.Credit(subscription_id="s", messages=3)))
        assert await deliveries(0.7) == [b"2", b"3", b"4"]
        await call.write(pb.ConnectRequest(frame_id=4, credit=pb.Credit(subscription_id="s", messages=0)))
        err = await asyncio.wait_for(frames.get(), 5)
        assert err.frame_id == 4 and err.error.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert "credit" in err.error.error.message
        call.cancel()
        read_task.cancel()


async def test_broadcast_resumes_after_reconnect_without_gaps_or_repeats(gateway, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    topic = unique("test.resume")
    proxy = await TcpProxy("127.0.0.1", gateway.port).start()
    try:
        async with fast_client(endpoint) as pub, fast_client(proxy.endpoint) as sub_client:
            got: list[bytes] = []
            await sub_client.subscribe([topic], lambda m: got.append(m.payload))
            for i in range(50):
                await pub.publish(Message(topic=topic, payload=b"%03d" % i))
            await until(lambda: len(got) == 50)
            proxy.refusing = True
            assert proxy.cut() == 1
            await until(lambda: not sub_client.connected, what="the client to notice the cut")
            await asyncio.gather(*(pub.publish(Message(topic=topic, payload=b"%03d" % i)) for i in range(50, 100)))
            await asyncio.sleep(0.3)
            proxy.refusing = False
            await until(lambda: len(got) >= 100, what="the messages published while disconnected")
            await asyncio.sleep(0.3)
            assert sub_client.connects == 2
            assert got == [b"%03d" % i for i in range(100)]
    finally:
        await proxy.close()


async def test_unacked_publishes_are_resent_with_same_ids_and_not_duplicated(gateway, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    topic = unique("test.resend")
    proxy = await TcpProxy("127.0.0.1", gateway.port).start()
    try:
        async with fast_client(endpoint) as watcher, fast_client(proxy.endpoint) as pub:
            got: list[bytes] = []
            await watcher.subscribe([topic], lambda m: got.append(m.payload))
            first = await pub.publish(Message(topic=topic, payload=b"before"))
            proxy.mute()  # the gateway's acks no longer reach the publisher
            futures = [pub.publish(Message(topic=topic, payload=b"%02d" % i)) for i in range(20)]
            await until(lambda: len(got) == 21, what="the gateway to store the 20 publishes")
            assert not any(f.done() for f in futures)
            proxy.cut()  # the publisher reconnects and re-sends the 20 with the same ids
            receipts = await asyncio.wait_for(asyncio.gather(*futures), 15)
            assert all(r.duplicate for r in receipts), "re-sent publishes were stored again"
            assert pub.connects == 2 and first.position.sort_key < receipts[0].position.sort_key
            await asyncio.sleep(0.3)
            assert got == [b"before"] + [b"%02d" % i for i in range(20)]  # each exactly once
    finally:
        await proxy.close()


async def test_silent_gateway_is_noticed_by_pings(gateway, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    topic = unique("test.ping")
    proxy = await TcpProxy("127.0.0.1", gateway.port).start()
    try:
        async with fast_client(proxy.endpoint, ping_interval=0.2, ping_timeout=0.5) as c:
            proxy.mute()  # the connection stays open but nothing comes back
            await until(lambda: c.connects == 2, timeout=5, what="a reconnect after unanswered pings")
            r = await asyncio.wait_for(c.publish(Message(topic=topic)), 5)
            assert r.position.topic == topic
    finally:
        await proxy.close()


async def test_group_member_gets_unacked_messages_after_rejoining(gateway, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    topic = unique("test.rejoin")
    proxy = await TcpProxy("127.0.0.1", gateway.port).start()
    try:
        async with fast_client(endpoint) as pub, fast_client(proxy.endpoint) as member:
            seen: list[tuple[bytes, int]] = []
            release = asyncio.Event()

            async def handle(m: ReceivedMessage) -> None:
                seen.append((m.payload, m.delivery_count))
                if m.delivery_count == 1:
                    await release.wait()  # still working when the connection drops: never acked

            await member.subscribe([topic], handle, mode=SubscriptionMode.GROUP, group="rejoin", ack_deadline=1.0)
            await pub.publish(Message(topic=topic, payload=b"order-1"))
            await until(lambda: len(seen) == 1)
            proxy.cut()
            await until(lambda: member.connects == 2, what="the member to reconnect")
            release.set()
            await until(lambda: len(seen) == 2, timeout=15, what="redelivery of the unacked message")
            assert seen == [(b"order-1", 1), (b"order-1", 2)]
    finally:
        await proxy.close()


async def test_restarted_gateway_on_same_port(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGTERM drains the gateway (GoAway); the client reconnects with backoff to its successor
    on the same port, and its subscription is live again there."""
    from gateway_process import GatewayProcess

    first = GatewayProcess().start()
    port = first.port
    second = None
    try:
        async with fast_client(first.endpoint, backoff_max=0.3) as c:
            got: list[bytes] = []
            await c.subscribe(["test.restart.>"], lambda m: got.append(m.payload))
            await c.publish(Message(topic="test.restart.a", payload=b"1"))
            await until(lambda: got == [b"1"])
            await asyncio.get_running_loop().run_in_executor(None, first.stop)
            await until(lambda: not c.connected, what="the client to see the gateway go")
            pending = c.publish(Message(topic="test.restart.a", payload=b"2"))  # waits for a gateway
            second = await asyncio.get_running_loop().run_in_executor(None, lambda: GatewayProcess(port).start())
            assert (await asyncio.wait_for(pending, 20)).position.topic == "test.restart.a"
            await until(lambda: got == [b"1", b"2"], what="delivery through the new gateway")
            assert c.connects == 2 and c.welcome is not None and c.welcome.gateway_id
    finally:
        first.kill()
        if second is not None:
            second.stop()
