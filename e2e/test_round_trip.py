"""The three-language round trip, on real processes:

    redis-server  <-  gateway jar (Redis backend)
    Python venue adapters (binance, bybit, okx, coinbase) replay samples -> data.quotes/trades.<VENUE>.<SYMBOL>
    Java CrossingStrategy: quotes -> SubmitOrder (CRITICAL) on exec.commands.<VENUE>.<STRATEGY>
    Rust tidegate-exec, one per venue: fills -> OrderAccepted/OrderFilled/OrderRejected on exec.events.<VENUE>.<STRATEGY>

A checking subscriber (this test, Python client, BROADCAST from the earliest entry on ``data.>`` and
``exec.>``) sees everything on the bus and checks that every venue's ticks arrive exactly once and
normalised, that every order the strategy sent is on the bus once and got exactly one outcome
(OrderAccepted + OrderFilled, or a justified OrderRejected), and that nothing is lost or duplicated.
Every missing prerequisite is a failure, never a skip. Every process started is stopped at the end.
"""
from __future__ import annotations

import asyncio
import collections
import decimal
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal


from conftest import PYTHON_DIR, Prerequisites
from procs import Processes, free_port, redis_ping, strip_ansi
from tidegate import Start, TidegateClient
from tidegate._proto import common_pb2, data_pb2, orders_pb2, pb
from tidegate_adapters import Adapter, parser_for, to_message

VENUES = {"binance": "BINANCE", "bybit": "BYBIT", "okx": "OKX", "coinbase": "COINBASE"}
# What the venue samples hold, normalised: SYMBOL.VENUE, no separators in the symbol.
EXPECTED_INSTRUMENTS = {
    "BINANCE": {"BTCUSDT.BINANCE", "ETHUSDT.BINANCE"},
    "BYBIT": {"BTCUSDT.BYBIT", "ETHUSDT.BYBIT"},
    "OKX": {"BTCUSDT.OKX", "ETHUSDT.OKX"},
    "COINBASE": {"BTCUSD.COINBASE", "ETHUSD.COINBASE"},
}
QUOTES_PER_ORDER = 3
ORDERS_PER_INSTRUMENT = 2
QUANTITY = Decimal("0.001")
TAKER_FEE = Decimal("0.001")  # tidegate-exec's default
CT = "application/x-protobuf; type=tidegate.market.v1."
# Rejections the execution adapter may rightly give a well-formed MARKET order.
JUSTIFIED_REJECTION = re.compile(r"^no (quote|ask in the last quote) for \S+")
INSTRUMENT_ID = re.compile(r"^([A-Z0-9]+)\.([A-Z]+)$")


# ---------------------------------------------------------------------------- expectations


def _sample_lines(venue: str) -> list[str]:
    text = (PYTHON_DIR / "samples" / f"{venue}.jsonl").read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()]


def expected_ticks(venue: str) -> list[data_pb2.QuoteTick | data_pb2.TradeTick]:
    """What the adapter publishes for the venue's sample file (the replay feeds the same lines)."""
    adapter = Adapter(parser_for(venue))
    out: list[data_pb2.QuoteTick | data_pb2.TradeTick] = []
    for line in _sample_lines(venue):
        out.extend(adapter.feed(line))
    return out


def raw_decimal_texts(venue: str) -> set[str]:
    """Every scalar of the venue's raw JSON, numbers kept as their text: a normalised price or size
    must be one of them, digit for digit (no float rounding, the venue's scale kept)."""
    found: set[str] = set()

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str):
            found.add(x)

    for line in _sample_lines(venue):
        try:
            walk(json.loads(line, parse_float=str, parse_int=str))
        except ValueError:
            continue
    return found


def dec(d: common_pb2.Decimal) -> Decimal:
    return Decimal(d.units).scaleb(-d.scale)


def dec_text(d: common_pb2.Decimal) -> str:
    return f"{dec(d):f}"


def tick_key(topic: str, tick: data_pb2.QuoteTick | data_pb2.TradeTick) -> tuple[str, bytes]:
    """A tick as published, minus ts_init (the time the adapter made it, differs per run) and
    minus ts_event when it is that same clock reading (Binance bookTicker carries no time)."""
    t = type(tick)()
    t.CopyFrom(tick)
    if t.ts_event == t.ts_init:
        t.ts_event = 0
    t.ts_init = 0
    return topic, t.SerializeToString(deterministic=True)


# ---------------------------------------------------------------------------- the bus, as seen


@dataclass
class Seen:
    message: pb.Message
    topic: str
    entry_id: str
    delivery_count: int


@dataclass
class Checker:
    """Everything the checking subscriber received, by kind."""
    data: list[Seen] = field(default_factory=list)
    commands: list[Seen] = field(default_factory=list)
    events: list[Seen] = field(default_factory=list)
    other: list[Seen] = field(default_factory=list)

    def on_message(self, m) -> None:  # type: ignore[no-untyped-def]
        msg = pb.Message()
        msg.CopyFrom(m.message)
        s = Seen(msg, m.position.topic, m.position.entry_id, m.delivery_count)
        if s.topic.startswith("data."):
            self.data.append(s)
        elif s.topic.startswith("exec.commands."):
            self.commands.append(s)
        elif s.topic.startswith("exec.events."):
            self.events.append(s)
        else:
            self.other.append(s)


def parse_counts(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


# ---------------------------------------------------------------------------- the test


async def test_three_language_round_trip(prereq: Prerequisites, procs: Processes) -> None:
    problems: list[str] = []
    strategy_id = f"e2e-{os.getpid()}"

    # Expectations from the sample files.
    expected: dict[str, list] = {v: expected_ticks(v) for v in VENUES}
    expected_keys = collections.Counter()
    quotes_per_instrument: collections.Counter[str] = collections.Counter()
    for ticks in expected.values():
        for t in ticks:
            expected_keys[tick_key(to_message(t).topic, t)] += 1
            if isinstance(t, data_pb2.QuoteTick):
                quotes_per_instrument[t.instrument_id] += 1
    expected_orders = sum(min(ORDERS_PER_INSTRUMENT, n // QUOTES_PER_ORDER) for n in quotes_per_instrument.values())
    assert expected_orders >= 8, f"the samples give too few quotes for orders: {dict(quotes_per_instrument)}"
    raw_texts = {VENUES[v]: raw_decimal_texts(v) for v in VENUES}

    # 1. Redis on a free port.
    redis_port = 0
    for attempt in range(3):
        port = free_port()
        r = procs.start(f"redis-{attempt}", [prereq.redis_server, "--port", str(port), "--bind", "127.0.0.1",
                                             "--save", "", "--appendonly", "no", "--dir", str(procs.log_dir),
                                             "--daemonize", "no"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and r.returncode() is None and not redis_ping(port):
            await asyncio.sleep(0.05)
        if redis_ping(port):
            redis_port = port
            break
        r.stop()
    assert redis_port, "redis-server did not start:\n" + procs.procs[-1].tail()

    # 2. The gateway jar on it.
    gateway = procs.start("gateway", [prereq.java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-jar", str(prereq.gateway_jar), "--grpc.host=127.0.0.1", "--grpc.port=0",
                                      "--http.port=-1", f"--backend.redis.uri=redis://127.0.0.1:{redis_port}"])
    m = await gateway.wait_for_line(r"tidegate: gateway (\S+) listening on ([\d.]+):(\d+)", 90)
    endpoint = f"127.0.0.1:{m.group(3)}"

    checker = Checker()
    async with TidegateClient(endpoint, client_name="e2e-checker") as client:
        await client.subscribe(["data.>", "exec.>"], checker.on_message, start=Start.earliest(), credit=500,
                               timeout=30)

        # 3. The Rust execution adapters, one per venue.
        env = {**os.environ, "NO_COLOR": "1", "RUST_LOG": "info"}
        execs = {venue: procs.start(f"exec-{venue.lower()}", [str(prereq.exec_bin), "--endpoint", endpoint,
                                                              "--venue", venue, "--quote-start", "earliest"],
                                    env=env, stop_signal=signal.SIGINT)
                 for venue in VENUES.values()}
        await asyncio.gather(*(e.wait_for_line(r"execution adapter running", 60) for e in execs.values()))

        # 4. The Java strategy.
        strategy = procs.start("strategy", [
            prereq.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", prereq.classpath,
            "io.tidegate.examples.CrossingStrategy", "--endpoint", endpoint, "--strategy-id", strategy_id,
            "--quotes-per-order", str(QUOTES_PER_ORDER), "--orders-per-instrument", str(ORDERS_PER_INSTRUMENT),
            "--quantity", str(QUANTITY), "--count", str(expected_orders), "--exit-after", "90"])
        await strategy.wait_for_line(r"strategy \S+: listening to", 60)

        # 5. The Python venue adapters, all four at once.
        replays = {v: procs.start(f"replay-{v}", [sys.executable, "-m", "tidegate_adapters.replay", "--venue", v,
                                                  "--file", str(PYTHON_DIR / "samples" / f"{v}.jsonl"),
                                                  "--endpoint", endpoint, "--client-name", f"e2e-replay-{v}"],
                                  cwd=PYTHON_DIR)
                   for v in VENUES}
        replay_summary: dict[str, dict[str, int]] = {}
        for v, p in replays.items():
            code = await p.wait_exit(60)
            line = re.search(r"replay summary: (\w+): (.*)", p.output())
            replay_summary[VENUES[v]] = parse_counts(line.group(2)) if line else {}
            if code != 0 or not line:
                problems.append(f"replay {v} exited with {code}:\n{p.tail()}")

        # 6. The strategy stops by itself once every order it sent is settled.
        strategy_code = await strategy.wait_exit(120)
        strategy_out = strip_ansi(strategy.output())
        line = re.search(r"strategy summary: (.*)", strategy_out)
        strategy_summary = parse_counts(line.group(1)) if line else {}
        if strategy_code != 0 or not line:
            problems.append(f"strategy exited with {strategy_code}:\n{strategy.tail(40)}")
        sent = re.findall(r"^order (\S+) (\S+) BUY MARKET (\S+) -> (\S+)$", strategy_out, re.MULTILINE)

        # The checker may still be catching up: wait until it holds the expected counts.
        def complete() -> bool:
            outcomes = {orders_coid(e) for e in checker.events if e.message.content_type != CT + "OrderAccepted"}
            return (len(checker.data) >= sum(expected_keys.values()) and len(checker.commands) >= len(sent)
                    and all(s[0] in outcomes for s in sent))

        deadline = time.monotonic() + 20
        while not complete() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # anything extra (a duplicate) would arrive now

    # 7. Stop the execution adapters; they print their counters.
    exec_stats: dict[str, dict[str, int]] = {}
    for venue, e in execs.items():
        e.stop()
        m2 = re.search(r"stopping \((\d+) quotes, (\d+) commands, (\d+) events, (\d+) rejected\)", e.output())
        exec_stats[venue] = dict(zip(("quotes", "commands", "events", "rejected"), map(int, m2.groups()))) if m2 else {}

    # ------------------------------------------------------------------ checks: market data
    lost = duplicated = 0
    received_keys: collections.Counter = collections.Counter()
    quotes_by_venue: collections.Counter[str] = collections.Counter()
    trades_by_venue: collections.Counter[str] = collections.Counter()
    asks: dict[str, set[Decimal]] = collections.defaultdict(set)
    ids = collections.Counter(s.message.id for s in checker.data + checker.commands + checker.events)
    positions = collections.Counter((s.topic, s.entry_id) for s in checker.data + checker.commands + checker.events)
    dup_ids = {i: n for i, n in ids.items() if n > 1}
    dup_positions = {p: n for p, n in positions.items() if n > 1}
    if dup_ids or dup_positions:
        problems.append(f"delivered more than once: ids {dup_ids} positions {dup_positions}")
        duplicated += sum(n - 1 for n in dup_ids.values())
    for s in checker.data:
        parts = s.topic.split(".")
        venue = parts[2] if len(parts) == 4 else "?"
        if s.message.content_type == CT + "QuoteTick":
            q = data_pb2.QuoteTick.FromString(s.message.payload)
            quotes_by_venue[venue] += 1
            asks[q.instrument_id].add(dec(q.ask_price))
            received_keys[tick_key(s.topic, q)] += 1
            mi = INSTRUMENT_ID.match(q.instrument_id)
            if not mi or q.instrument_id not in EXPECTED_INSTRUMENTS.get(venue, ()):
                problems.append(f"quote on {s.topic}: instrument id {q.instrument_id!r} is not one of "
                                f"{sorted(EXPECTED_INSTRUMENTS.get(venue, ()))}")
            elif s.topic != f"data.quotes.{mi.group(2)}.{mi.group(1)}" or s.message.ordering_key != q.instrument_id:
                problems.append(f"quote {q.instrument_id} on topic {s.topic} with key {s.message.ordering_key!r}")
            for name in ("bid_price", "ask_price", "bid_size", "ask_size"):
                d = getattr(q, name)
                if dec_text(d) not in raw_texts.get(venue, set()):
                    problems.append(f"{q.instrument_id} {name} {dec_text(d)} ({d.units}e-{d.scale}) is not a "
                                    f"decimal text of the {venue} sample")
            if not (Decimal(0) < dec(q.bid_price) <= dec(q.ask_price)):
                problems.append(f"{q.instrument_id}: bid {dec(q.bid_price)} / ask {dec(q.ask_price)} not a book")
            if not 10**18 < q.ts_event < 10**19:
                problems.append(f"{q.instrument_id}: ts_event {q.ts_event} is not Unix nanoseconds")
        elif s.message.content_type == CT + "TradeTick":
            t = data_pb2.TradeTick.FromString(s.message.payload)
            trades_by_venue[venue] += 1
            received_keys[tick_key(s.topic, t)] += 1
        else:
            problems.append(f"{s.topic}: unexpected content type {s.message.content_type!r}")
    missing = expected_keys - received_keys
    extra = received_keys - expected_keys
    if missing:
        problems.append(f"{sum(missing.values())} ticks published by the adapters never arrived: "
                        f"{sorted(k[0] for k in missing)[:10]}")
        lost += sum(missing.values())
    if extra:
        problems.append(f"{sum(extra.values())} ticks arrived that the adapters did not publish (or twice): "
                        f"{sorted(k[0] for k in extra)[:10]}")
        duplicated += sum(extra.values())
    for venue in VENUES.values():
        want = sum(1 for t in expected[venue.lower()] if isinstance(t, data_pb2.QuoteTick))
        if quotes_by_venue[venue] != want or want == 0:
            problems.append(f"{venue}: {quotes_by_venue[venue]} quotes arrived, {want} expected")
        rs = replay_summary.get(venue, {})
        if rs.get("published") != len(expected[venue.lower()]) or rs.get("publish_failed", 1) != 0:
            problems.append(f"{venue}: replay summary {rs}, {len(expected[venue.lower()])} ticks expected")

    # ------------------------------------------------------------------ checks: orders
    commands: dict[str, tuple[Seen, orders_pb2.SubmitOrder]] = {}
    for s in checker.commands:
        o = orders_pb2.SubmitOrder.FromString(s.message.payload)
        if o.client_order_id in commands:
            problems.append(f"command {o.client_order_id} on the bus twice")
            duplicated += 1
        commands[o.client_order_id] = (s, o)
        venue = o.instrument_id.rsplit(".", 1)[-1]
        if (s.topic != f"exec.commands.{venue}.{strategy_id}" or s.message.priority != pb.PRIORITY_CRITICAL
                or s.message.content_type != CT + "SubmitOrder" or o.strategy_id != strategy_id
                or o.order_type != orders_pb2.ORDER_TYPE_MARKET or o.side != common_pb2.ORDER_SIDE_BUY or dec(o.quantity) != QUANTITY):
            problems.append(f"command {o.client_order_id} on {s.topic} prio {s.message.priority}: {o}")
    sent_ids = [s[0] for s in sent]
    if len(sent_ids) != expected_orders or len(set(sent_ids)) != len(sent_ids):
        problems.append(f"strategy printed {len(sent_ids)} orders ({len(set(sent_ids))} distinct), "
                        f"{expected_orders} expected")
    for coid in set(sent_ids) - commands.keys():
        problems.append(f"order {coid} sent by the strategy never reached the bus")
        lost += 1
    for coid in commands.keys() - set(sent_ids):
        problems.append(f"command {coid} on the bus was not sent by the strategy")

    events: dict[str, list[tuple[str, Seen, object]]] = collections.defaultdict(list)
    for s in checker.events:
        kind = s.message.content_type.removeprefix(CT)
        cls = getattr(orders_pb2, kind, None)
        if cls is None:
            problems.append(f"event of unexpected type {s.message.content_type!r} on {s.topic}")
            continue
        ev = cls.FromString(s.message.payload)
        events[ev.client_order_id].append((kind, s, ev))
        if s.message.priority != pb.PRIORITY_HIGH:
            problems.append(f"{kind} {ev.client_order_id} at priority {s.message.priority}, not HIGH")
    accepted = filled = rejected = 0
    fills_by_venue: collections.Counter[str] = collections.Counter()
    orders_by_venue: collections.Counter[str] = collections.Counter()
    rejected_by_venue: collections.Counter[str] = collections.Counter()
    for coid in events.keys() - commands.keys():
        problems.append(f"events for unknown order {coid!r}: {[k for k, _, _ in events[coid]]}")
    for coid, (cmd, order) in commands.items():
        venue = order.instrument_id.rsplit(".", 1)[-1]
        orders_by_venue[venue] += 1
        evs = events.get(coid, [])
        kinds = [k for k, _, _ in evs]
        for _, s, ev in evs:
            if s.topic != f"exec.events.{venue}.{strategy_id}":
                problems.append(f"{coid}: event on {s.topic}")
        if kinds == ["OrderAccepted", "OrderFilled"]:
            accepted += 1
            filled += 1
            fills_by_venue[venue] += 1
            f = evs[1][2]
            assert isinstance(f, orders_pb2.OrderFilled)
            px, qty = dec(f.last_px), dec(f.last_qty)
            commission = (qty * px * TAKER_FEE).quantize(Decimal("1e-8"), rounding=decimal.ROUND_HALF_EVEN)
            quote_ccy = "USD" if venue == "COINBASE" else "USDT"
            if (qty != QUANTITY or f.side != common_pb2.ORDER_SIDE_BUY or f.instrument_id != order.instrument_id
                    or px not in asks.get(order.instrument_id, set()) or dec(f.commission) != commission
                    or f.commission_currency != quote_ccy or f.liquidity_side != orders_pb2.LIQUIDITY_SIDE_TAKER):
                problems.append(f"{coid}: fill {f} does not match the order ({order.instrument_id} BUY {QUANTITY}, "
                                f"at an ask of {sorted(asks.get(order.instrument_id, set()))}, commission {commission})")
        elif kinds == ["OrderRejected"]:
            rejected += 1
            rejected_by_venue[venue] += 1
            reason = evs[0][2].reason  # type: ignore[attr-defined]
            if not JUSTIFIED_REJECTION.match(reason):
                problems.append(f"{coid} rejected without a good reason: {reason!r}")
        elif not kinds:
            problems.append(f"{coid} ({order.instrument_id}) got no outcome")
            lost += 1
        else:
            problems.append(f"{coid} ({order.instrument_id}) got {kinds}, want OrderAccepted+OrderFilled or "
                            "OrderRejected")
            duplicated += max(0, len(kinds) - 2)
    for venue in VENUES.values():
        if fills_by_venue[venue] == 0:
            problems.append(f"{venue}: no order was filled")
    want_summary = {"orders": len(commands), "accepted": accepted, "filled": filled, "rejected": rejected, "open": 0,
                    "duplicate_events": 0, "unexpected_events": 0}
    if {k: strategy_summary.get(k) for k in want_summary} != want_summary:
        problems.append(f"strategy summary {strategy_summary} disagrees with the bus: {want_summary}")

    # ------------------------------------------------------------------ summary
    print("\n=== round trip summary ===")
    print(f"gateway {endpoint} on redis 127.0.0.1:{redis_port}, strategy {strategy_id}")
    print(f"{'venue':<9} {'quotes':>11} {'trades':>11} {'orders':>6} {'filled':>6} {'rejected':>8}  exec adapter")
    for venue in VENUES.values():
        wq = sum(1 for t in expected[venue.lower()] if isinstance(t, data_pb2.QuoteTick))
        wt = len(expected[venue.lower()]) - wq
        print(f"{venue:<9} {quotes_by_venue[venue]:>5}/{wq:<5} {trades_by_venue[venue]:>5}/{wt:<5} "
              f"{orders_by_venue[venue]:>6} {fills_by_venue[venue]:>6} {rejected_by_venue[venue]:>8}  "
              f"{exec_stats.get(venue)}")
    print(f"orders sent={len(sent_ids)} on bus={len(commands)} accepted={accepted} filled={filled} "
          f"rejected={rejected}; lost={lost} duplicated={duplicated}")
    print(f"strategy: {strategy_summary}")
    if problems:
        print(f"{len(problems)} problem(s):")
    assert not problems, "\n".join(problems)
    assert lost == 0 and duplicated == 0


def orders_coid(s: Seen) -> str:
    kind = s.message.content_type.removeprefix(CT)
    cls = getattr(orders_pb2, kind, None)
    return cls.FromString(s.message.payload).client_order_id if cls else ""
