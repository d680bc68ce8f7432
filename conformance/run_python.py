"""Runs conformance/scenario.json with the Python client against a gateway and prints PASS/FAIL per
step. Exit code 0 when every step passed.

    sdk-python/.venv/bin/python conformance/run_python.py --endpoint 127.0.0.1:7400
    ... --ca ca.pem --token-file conformance.token     # a gateway with TLS and tokens

(any Python with the SDK installed: `pip install ./sdk-python`; e2e/run-e2e.sh uses the venv of
sdk-examples/python, which has it too)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc

from tidegate import Gap, Message, ReceivedMessage, Start, SubscriptionMode, TidegateClient
from tidegate.errors import TidegateError
from tidegate.security import TlsSettings

HERE = Path(__file__).resolve().parent


class StepFailed(AssertionError):
    pass


def check(cond: bool, what: str) -> None:
    if not cond:
        raise StepFailed(what)


async def until(pred: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def token_source(path: Path) -> Callable[[], str]:
    """The token in ``path``, read again on every connect (a rotated file is picked up)."""
    def read() -> str:
        token = path.read_text().strip()
        if not token:
            raise ValueError(f"--token-file {path} is empty")
        return token
    read()  # a missing or empty file fails now, naming it
    return read


class Runner:
    def __init__(self, endpoint: str, run: str, tls: TlsSettings | None = None,
                 token: Callable[[], str] | None = None) -> None:
        self.endpoint = endpoint
        self.run = run
        self.tls = tls
        self.token = token
        self.client: TidegateClient | None = None

    def t(self, s: str) -> str:
        return s.replace("{run}", self.run)

    async def new_client(self, name: str, token: str | Callable[[], str] | None = None,
                         timeout: float = 15) -> TidegateClient:
        c = TidegateClient(self.endpoint, client_name=f"conformance-py-{name}", tls=self.tls,
                           bearer_token=token if token is not None else self.token)
        try:
            await c.connect(timeout=timeout)
        except BaseException:
            await c.close()
            raise
        return c

    async def publish(self, client: TidegateClient, topic: str, n: int, prefix: str = "m") -> list[str]:
        futs = [client.publish(Message(id=f"{prefix}-{self.run}-{topic}-{i}", topic=topic, payload=f"{i}".encode()))
                for i in range(n)]
        receipts = await asyncio.wait_for(asyncio.gather(*futs), 15)
        return [r.position.entry_id for r in receipts]

    # ------------------------------------------------------------------ ops

    async def op_publish(self, s: dict[str, Any]) -> None:
        assert self.client
        entries = await self.publish(self.client, self.t(s["topic"]), s["count"])
        check(len(entries) == s["count"] and all(entries), f"positions {entries}")
        check(len(set(entries)) == len(entries), f"positions not distinct: {entries}")

    async def op_pattern_subscribe(self, s: dict[str, Any]) -> None:
        assert self.client
        got: list[str] = []
        sub = await self.client.subscribe([self.t(s["pattern"])], lambda m: got.append(m.topic), timeout=15)
        try:
            for topic in s["publish"]:
                await self.publish(self.client, self.t(topic), 1, prefix=f"pat{len(got)}-{uuid.uuid4().hex[:6]}")
            want = sorted(self.t(x) for x in s["expect"])
            await until(lambda: len(got) >= len(want), 10)
            await asyncio.sleep(0.3)  # anything that should not come would come now
            check(sorted(got) == want, f"received {sorted(got)}, want {want}")
        finally:
            await sub.close()

    async def op_group_share(self, s: dict[str, Any]) -> None:
        topic, group = self.t(s["topic"]), self.t(s["group"])
        clients = [await self.new_client(f"member{i}") for i in range(s["members"])]
        got: list[list[str]] = [[] for _ in clients]
        try:
            for i, c in enumerate(clients):
                async def handle(m, i: int = i) -> None:  # type: ignore[no-untyped-def]
                    got[i].append(m.message.id)
                    await asyncio.sleep(s["handle_ms"] / 1000)  # busy: the next message goes to a free member

                await c.subscribe([topic], handle, mode=SubscriptionMode.GROUP, group=group, credit=s["credit"],
                                  timeout=15)
            assert self.client
            await self.publish(self.client, topic, s["count"])
            await until(lambda: sum(map(len, got)) >= s["count"], 15)
            await asyncio.sleep(0.3)
            all_ids = [x for g in got for x in g]
            check(len(all_ids) == s["count"] and len(set(all_ids)) == s["count"],
                  f"members got {[len(g) for g in got]} messages ({len(set(all_ids))} distinct), want {s['count']} once")
            check(all(len(g) > 0 for g in got), f"a member got nothing: {[len(g) for g in got]}")
        finally:
            for c in clients:
                await c.close()

    async def op_ack(self, s: dict[str, Any]) -> None:
        topic, group = self.t(s["topic"]), self.t(s["group"])
        c = await self.new_client("ack")
        deliveries: list[tuple[str, int]] = []
        try:
            await c.subscribe([topic], lambda m: deliveries.append((m.message.id, m.delivery_count)),
                              mode=SubscriptionMode.GROUP, group=group, ack_deadline=s["ack_deadline_ms"] / 1000,
                              timeout=15)
            assert self.client
            await self.publish(self.client, topic, s["count"])
            await until(lambda: len(deliveries) >= s["count"], 15)
            await asyncio.sleep(s["quiet_ms"] / 1000)  # past the ack deadline: acked ones must stay quiet
            check(len(deliveries) == s["count"] and all(dc == 1 for _, dc in deliveries),
                  f"deliveries {deliveries}, want {s['count']} first deliveries and no redelivery")
        finally:
            await c.close()

    async def op_redelivery(self, s: dict[str, Any]) -> None:
        topic, group = self.t(s["topic"]), self.t(s["group"])
        vanishing = await self.new_client("vanishing")
        first: list[str] = []
        await vanishing.subscribe([topic], lambda m: first.append(m.message.id), mode=SubscriptionMode.GROUP,
                                  group=group, auto_ack=False, ack_deadline=s["ack_deadline_ms"] / 1000, timeout=15)
        assert self.client
        await self.publish(self.client, topic, s["count"])
        ok = await until(lambda: len(first) >= s["count"], 15)
        await vanishing.close()  # gone without acking
        check(ok, f"the first member got {len(first)} of {s['count']}")
        heir = await self.new_client("heir")
        second: list[tuple[str, int]] = []
        try:
            await heir.subscribe([topic], lambda m: second.append((m.message.id, m.delivery_count)),
                                 mode=SubscriptionMode.GROUP, group=group, ack_deadline=s["ack_deadline_ms"] / 1000,
                                 timeout=15)
            await until(lambda: len({i for i, _ in second}) >= s["count"], s["timeout_ms"] / 1000)
            check(sorted({i for i, _ in second}) == sorted(first),
                  f"redelivered {sorted(second)}, want {sorted(first)}")
            check(all(dc >= 2 for _, dc in second), f"delivery counts {second}, want >= 2")
        finally:
            await heir.close()

    async def op_resume(self, s: dict[str, Any]) -> None:
        topic = self.t(s["topic"])
        assert self.client
        c = await self.new_client("resume")
        seen: list[str] = []
        sub = await c.subscribe([topic], lambda m: seen.append(m.message.id), start=Start.earliest(), timeout=15)
        await self.publish(self.client, topic, s["before"], prefix="before")
        ok = await until(lambda: len(seen) >= s["before"], 10)
        last = dict(sub.last_positions)
        await c.close()
        check(ok, f"got {len(seen)} of {s['before']} before the reconnect")
        await self.publish(self.client, topic, s["after"], prefix="after")
        c2 = await self.new_client("resumed")
        rest: list[str] = []
        try:
            await c2.subscribe([topic], lambda m: rest.append(m.message.id), start=Start.after(*last.values()),
                               timeout=15)
            await until(lambda: len(rest) >= s["after"], 10)
            await asyncio.sleep(0.3)
            want = [f"after-{self.run}-{topic}-{i}" for i in range(s["after"])]
            check(rest == want, f"after the reconnect got {rest}, want {want}")
        finally:
            await c2.close()

    async def op_gap(self, s: dict[str, Any]) -> None:
        """Credit for ``before`` messages, all held by a stalled handler, while ``after`` more are
        published past retention: then the ``before``, one Gap counting the lost, and the rest."""
        topic, before, after = self.t(s["topic"]), s["before"], s["after"]
        assert self.client
        c = await self.new_client("gap")
        seen: list[str | Gap] = []
        resume = asyncio.Event()

        async def handle(m: ReceivedMessage) -> None:
            seen.append(m.message.id)
            await resume.wait()

        try:
            sub = await c.subscribe([topic], handle, credit=before, on_gap=seen.append, timeout=15)
            first = await self.publish(self.client, topic, before, prefix="before")
            check(await until(lambda: sub.buffered == before, 10), f"{sub.buffered} of {before} arrived")
            await self.publish(self.client, topic, after, prefix="after")
            resume.set()
            newest = f"after-{self.run}-{topic}-{after - 1}"
            check(await until(lambda: newest in seen, 15), f"the newest message did not arrive: {seen[-3:]}")
            want_before = [f"before-{self.run}-{topic}-{i}" for i in range(before)]
            check(seen[:before] == want_before, f"first {seen[:before]}, want {want_before}")
            gap = seen[before] if len(seen) > before else None
            check(isinstance(gap, Gap), f"after the first {before} got {gap!r}, want a Gap")
            assert isinstance(gap, Gap)
            rest = seen[before + 1:]
            check(all(isinstance(x, str) for x in rest), "more than one Gap")
            check(gap.from_position is not None and gap.from_position.entry_id == first[-1],
                  f"gap from {gap.from_position}, want {first[-1]}")
            check(gap.lost == after - len(rest) and after > len(rest), f"gap lost {gap.lost}, {len(rest)} of {after} came")
            want_rest = [f"after-{self.run}-{topic}-{i}" for i in range(after - len(rest), after)]
            check(rest == want_rest, "the rest is not the newest messages in order")
        finally:
            resume.set()
            await c.close()

    async def op_bad_publish(self, s: dict[str, Any]) -> None:
        assert self.client
        m = s["message"]
        msg = Message(id=f"bad-{uuid.uuid4().hex}", topic=self.t(m.get("topic", "")), priority=m.get("priority", 0),
                      payload=b"x" * m.get("payload_bytes", 1))
        try:
            await asyncio.wait_for(self.client.publish(msg), 15)
        except TidegateError as e:
            expect_error(e, s)
            return
        raise StepFailed(f"accepted, want {s['code']}")

    async def op_bad_subscribe(self, s: dict[str, Any]) -> None:
        assert self.client
        sub = s["subscribe"]
        mode = SubscriptionMode.GROUP if sub.get("mode") == "GROUP" else SubscriptionMode.BROADCAST
        try:
            # The Python client refuses nothing itself: the frame goes to the gateway as given.
            got = await self.client.subscribe([self.t(p) for p in sub["patterns"]], lambda m: None, mode=mode,
                                              group=self.t(sub.get("group", "")), timeout=15)
        except TidegateError as e:
            expect_error(e, s)
            return
        await got.close()
        raise StepFailed(f"subscribed, want {s['code']}")


    async def op_refused_connect(self, s: dict[str, Any]) -> None:
        """Connects with the runner's TLS settings but the step's ``token``: the gateway must refuse.
        The Python client retries a refused connection until ``connect``'s timeout and then raises
        the refusal, so a short timeout is enough."""
        try:
            c = await self.new_client("refused", token=s["token"], timeout=3)
        except TidegateError as e:
            expect_error(e, s)
            return
        await c.close()
        raise StepFailed(f"connected, want {s['code']}")


def expect_error(e: TidegateError, s: dict[str, Any]) -> None:
    check(e.code == getattr(grpc.StatusCode, s["code"]), f"got {e.code.name}: {e.message}, want {s['code']}")
    if "says" in s:
        check(s["says"].lower() in e.message.lower(), f"message {e.message!r} does not mention {s['says']!r}")


async def run(endpoint: str, scenario: Path, tls: TlsSettings | None = None,
              token: Callable[[], str] | None = None) -> int:
    steps = json.loads(scenario.read_text())["steps"]
    r = Runner(endpoint, uuid.uuid4().hex[:8], tls, token)
    r.client = await r.new_client("main")
    failed = 0
    try:
        for s in steps:
            op: Callable[[dict[str, Any]], Awaitable[None]] = getattr(r, "op_" + s["op"])
            t0 = time.monotonic()
            try:
                await op(s)
                print(f"PASS  {s['name']}  ({(time.monotonic() - t0) * 1000:.0f} ms)", flush=True)
            except (StepFailed, TidegateError, asyncio.TimeoutError) as e:
                failed += 1
                print(f"FAIL  {s['name']}: {e}", flush=True)
    finally:
        await r.client.close()
    print(f"conformance (python): {len(steps) - failed}/{len(steps)} steps passed", flush=True)
    return 1 if failed else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--endpoint", default="127.0.0.1:7400")
    ap.add_argument("--scenario", type=Path, default=HERE / "scenario.json")
    ap.add_argument("--ca", type=Path, help="connect over TLS, trusting this CA (PEM)")
    ap.add_argument("--cert", type=Path, help="client certificate chain (PEM) for mTLS; needs --key")
    ap.add_argument("--key", type=Path, help="private key of --cert (PEM)")
    ap.add_argument("--token-file", type=Path, help="send the token in this file as a bearer token")
    a = ap.parse_args()
    if (a.cert is None) != (a.key is None):
        ap.error("--cert and --key go together")
    tls = TlsSettings(ca_file=a.ca, cert_chain_file=a.cert, key_file=a.key) if a.ca or a.cert else None
    try:
        token = token_source(a.token_file) if a.token_file else None
    except (OSError, ValueError) as e:
        ap.error(f"--token-file: {e}")
    sys.exit(asyncio.run(run(a.endpoint, a.scenario, tls, token)))


if __name__ == "__main__":
    main()
