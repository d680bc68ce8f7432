"""Live mode against a local venue server replaying frames in each venue's documented format,
with an injected disconnect, a sequence gap and a wrong OKX checksum: the adapter reconnects,
resubscribes, resyncs, publishes resets, and the book a subscriber rebuilds equals the venue's."""
from __future__ import annotations

import asyncio
import json
import random
import sys
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from venue_server import Step, VenueServer
from waits import until
from tidegate import ReceivedMessage, TidegateClient, pb
from tidegate.market.v1 import data_pb2
from tidegate_adapters.books import BOOK_CONTENT_TYPE, BookReplica
from tidegate_adapters.live import Backoff, LiveFeed, http_snapshot_fetcher

INITIAL, RECONNECT = data_pb2.BOOK_RESET_REASON_INITIAL, data_pb2.BOOK_RESET_REASON_RECONNECT
GAP, CHECKSUM = data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP, data_pb2.BOOK_RESET_REASON_CHECKSUM_MISMATCH
STOPPED = data_pb2.BOOK_RESET_REASON_FEED_STOPPED
FAST = Backoff(initial=0.01, maximum=0.05)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "listings"


def book(bids: dict[str, str], asks: dict[str, str]) -> dict[str, list[tuple[Decimal, Decimal]]]:
    return {"bids": sorted(((Decimal(p), Decimal(s)) for p, s in bids.items()), reverse=True),
            "asks": sorted((Decimal(p), Decimal(s)) for p, s in asks.items())}


# --- OKX: the venue side, with the documented checksum -------------------------------------

class OkxVenue:
    """The venue's own book, to write frames whose checksums are right (or deliberately wrong)."""

    def __init__(self) -> None:
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}

    def checksum(self) -> int:
        bids = sorted(self.bids.items(), key=lambda kv: -Decimal(kv[0]))[:25]
        asks = sorted(self.asks.items(), key=lambda kv: Decimal(kv[0]))[:25]
        parts: list[str] = []
        for i in range(max(len(bids), len(asks))):
            parts += list(bids[i]) if i < len(bids) else []
            parts += list(asks[i]) if i < len(asks) else []
        crc = zlib.crc32(":".join(parts).encode())
        return crc - 2**32 if crc >= 2**31 else crc

    def frame(self, action: str, seq: int, prev: int, bids: dict[str, str], asks: dict[str, str],
              wrong_checksum: bool = False) -> Step:
        if action == "snapshot":
            self.bids, self.asks = {}, {}
        for side, changes in ((self.bids, bids), (self.asks, asks)):
            for p, s in changes.items():
                side.pop(p, None) if Decimal(s) == 0 else side.__setitem__(p, s)
        item = {"asks": [[p, s, "0", "1"] for p, s in asks.items()], "bids": [[p, s, "0", "1"] for p, s in bids.items()],
                "ts": str(1597026383085 + seq), "checksum": self.checksum() + (1 if wrong_checksum else 0),
                "prevSeqId": prev, "seqId": seq}
        return ("send", {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [item]})


OKX_SUB = '"subscribe", "args": [{"channel": "books"'
OKX_UNSUB = '"unsubscribe", "args": [{"channel": "books"'


def okx_scripts() -> list[list[Step]]:
    v = OkxVenue()
    first = [("expect", OKX_SUB),
             v.frame("snapshot", 10, -1, {"100.0": "1", "99.5": "2"}, {"100.5": "1.5", "101": "3"}),
             v.frame("update", 11, 10, {"100.0": "1.25"}, {"101": "0"}),
             ("drop",)]
    second = [("expect", OKX_SUB),
              v.frame("snapshot", 20, -1, {"100.0": "1", "99.5": "2"}, {"100.5": "1", "101": "2"}),
              v.frame("update", 21, 20, {"99.8": "4"}, {}),
              v.frame("update", 22, 21, {}, {"100.5": "0.5"}, wrong_checksum=True),
              ("expect", OKX_UNSUB), ("expect", OKX_SUB),
              v.frame("snapshot", 30, -1, {"100.0": "1", "99.8": "4", "99.5": "2"}, {"100.5": "0.5", "101": "2"}),
              v.frame("update", 31, 30, {"100.1": "0.7"}, {}),
              v.frame("update", 36, 35, {"100.2": "9"}, {}),  # 32..35 never came: a gap
              ("expect", OKX_UNSUB), ("expect", OKX_SUB),
              v.frame("snapshot", 40, -1, {"100.1": "0.7", "100.0": "1"}, {"100.4": "2"}),
              v.frame("update", 41, 40, {"100.0": "0"}, {"100.45": "1"})]
    return [first, second]


OKX_FINAL = book({"100.1": "0.7"}, {"100.4": "2", "100.45": "1"})
# (is_snapshot, reset_reason) of each published batch that clears the book, in order
OKX_RESETS = [(True, INITIAL), (False, RECONNECT), (True, RECONNECT), (False, CHECKSUM), (True, CHECKSUM),
              (False, GAP), (True, GAP)]


# --- Bybit -----------------------------------------------------------------------------------

def bybit(kind: str, u: int, b: list[list[str]], a: list[list[str]]) -> Step:
    return ("send", {"topic": "orderbook.50.BTCUSDT", "type": kind, "ts": 1672304484978 + u,
                     "data": {"s": "BTCUSDT", "b": b, "a": a, "u": u, "seq": 7961638724 + u}, "cts": 1672304484976 + u})


BYBIT_SUB = '"subscribe", "args": ["orderbook.50.BTCUSDT"]'
BYBIT_SCRIPTS = [
    [("expect", BYBIT_SUB), bybit("snapshot", 100, [["16493.50", "0.006"]], [["16611.00", "0.029"]]),
     bybit("delta", 101, [["16493.50", "0"], ["16490.00", "1.5"]], []), ("drop",)],
    [("expect", BYBIT_SUB), bybit("snapshot", 200, [["16500.00", "1"]], [["16600.00", "2"]]),
     bybit("delta", 201, [], [["16599.50", "0.5"]]),
     bybit("delta", 203, [["16500.00", "0"]], []),  # 202 is missing
     ("expect", '"unsubscribe", "args": ["orderbook.50.BTCUSDT"]'), ("expect", BYBIT_SUB),
     bybit("snapshot", 210, [["16500.00", "3"], ["16499.00", "1"]], [["16599.50", "0.5"]]),
     bybit("delta", 211, [["16499.00", "0"]], [["16601.00", "4"]])],
]
BYBIT_FINAL = book({"16500.00": "3"}, {"16599.50": "0.5", "16601.00": "4"})
BYBIT_RESETS = [(True, INITIAL), (False, RECONNECT), (True, RECONNECT), (False, GAP), (True, GAP)]


# --- Binance ---------------------------------------------------------------------------------

def depth(first: int, last: int, b: list[list[str]], a: list[list[str]]) -> Step:
    return ("send", {"e": "depthUpdate", "E": 1672515782136 + last, "s": "BNBBTC", "U": first, "u": last, "b": b, "a": a})


def binance_scripts(snapshots_applied: Callable[[], int]) -> list[list[Step]]:
    """The snapshot is fetched beside the stream, so the drop waits till it was applied: the
    reconnect then resets a known book."""
    return [
        [("expect", "bnbbtc@depth@100ms"), depth(101, 103, [["0.0024", "10"]], []),  # snapshot 102 fetched here
         depth(104, 105, [["0.0023", "5"]], [["0.0026", "0"]]),
         ("until", lambda: snapshots_applied() >= 1), ("drop",)],
        [("expect", "bnbbtc@depth@100ms"), depth(201, 202, [["0.0024", "11"]], []),  # snapshot 201 fetched here
         depth(203, 204, [], [["0.0027", "7"]]),
         depth(210, 211, [["0.0022", "1"]], []),  # 205..209 missing: resync from snapshot 212
         depth(211, 212, [["0.0021", "1"]], []),  # already in the snapshot: dropped
         depth(212, 214, [["0.0024", "0"]], [["0.0025", "3"]])],
    ]


BINANCE_SNAPSHOTS = [
    {"lastUpdateId": 102, "bids": [["0.0024", "9"], ["0.0020", "1"]], "asks": [["0.0026", "100"]]},
    {"lastUpdateId": 201, "bids": [["0.0024", "10"]], "asks": [["0.0026", "100"]]},
    {"lastUpdateId": 212, "bids": [["0.0024", "11"], ["0.0022", "1"], ["0.0021", "1"]],
     "asks": [["0.0026", "100"], ["0.0027", "7"]]},
]
BINANCE_FINAL = book({"0.0022": "1", "0.0021": "1"}, {"0.0025": "3", "0.0026": "100", "0.0027": "7"})
BINANCE_RESETS = BYBIT_RESETS


# --- Coinbase --------------------------------------------------------------------------------

def l2update(changes: list[list[str]]) -> Step:
    return ("send", {"type": "l2update", "product_id": "BTC-USD", "changes": changes, "time": "2019-08-14T20:42:27.265Z"})


COINBASE_SUB = '"channels": ["level2"]'
COINBASE_SCRIPTS = [
    [("expect", COINBASE_SUB),
     ("send", {"type": "snapshot", "product_id": "BTC-USD", "bids": [["10101.10", "0.45054140"]],
               "asks": [["10102.55", "0.57753524"]]}),
     l2update([["buy", "10101.80000000", "0.162567"]]), ("drop",)],
    [("expect", COINBASE_SUB),
     ("send", {"type": "subscriptions", "channels": [{"name": "level2", "product_ids": ["BTC-USD"]}]}),
     ("send", {"type": "snapshot", "product_id": "BTC-USD", "bids": [["10101.80", "0.162567"], ["10101.10", "0.45"]],
               "asks": [["10102.55", "0.57753524"]]}),
     l2update([["buy", "10101.80", "0.00000000"], ["sell", "10102.00", "1.5"]])],
]
COINBASE_FINAL = book({"10101.10": "0.45"}, {"10102.00": "1.5", "10102.55": "0.57753524"})
COINBASE_RESETS = [(True, INITIAL), (False, RECONNECT), (True, RECONNECT)]

SCENARIOS: dict[str, dict[str, Any]] = {
    "okx": dict(symbol="BTC-USDT", iid="BTCUSDT.OKX", scripts=okx_scripts, final=OKX_FINAL, resets=OKX_RESETS,
                counts=dict(reconnects=1, gaps=1, checksum_failures=1, resyncs=2)),
    "bybit": dict(symbol="BTCUSDT", iid="BTCUSDT.BYBIT", scripts=lambda: BYBIT_SCRIPTS, final=BYBIT_FINAL,
                  resets=BYBIT_RESETS, counts=dict(reconnects=1, gaps=1, checksum_failures=0, resyncs=1)),
    "binance": dict(symbol="BNBBTC", iid="BNBBTC.BINANCE", scripts=binance_scripts, final=BINANCE_FINAL,
                    resets=BINANCE_RESETS, counts=dict(reconnects=1, gaps=1, checksum_failures=0, resyncs=1)),
    "coinbase": dict(symbol="BTC-USD", iid="BTCUSD.COINBASE", scripts=lambda: COINBASE_SCRIPTS, final=COINBASE_FINAL,
                     resets=COINBASE_RESETS, counts=dict(reconnects=1, gaps=0, checksum_failures=0, resyncs=0)),
}


async def run_scenario(venue: str, publish: Any) -> tuple[LiveFeed, VenueServer, Any]:
    """Runs the venue's scripts until the adapter holds the final book, then stops the feed;
    returns the feed, the server and the adapter's book just before the stop."""
    sc = SCENARIOS[venue]
    feeds: list[LiveFeed] = []
    scripts = sc["scripts"](lambda: feeds[0].books.stats.snapshots) if venue == "binance" else sc["scripts"]()
    async with VenueServer(scripts, BINANCE_SNAPSHOTS if venue == "binance" else ()) as server:
        feed = LiveFeed(venue, server.url, [sc["symbol"]], publish, backoff=FAST, rng=random.Random(7),
                        snapshot_fetcher=http_snapshot_fetcher(server.http_url) if venue == "binance" else None)
        feeds.append(feed)
        stop = asyncio.Event()
        task = asyncio.create_task(feed.run(stop))
        try:
            await asyncio.wait_for(server.finished.wait(), 20)
            await until(lambda: feed.books.states.get(sc["symbol"]) is not None
                        and feed.books.book(sc["symbol"]).levels() == sc["final"], what=f"{venue} final book")
            held = feed.books.book(sc["symbol"]).levels()
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
    return feed, server, held


def book_batches(messages: list[pb.Message]) -> list[data_pb2.OrderBookDeltas]:
    return [data_pb2.OrderBookDeltas.FromString(m.payload) for m in messages if m.content_type == BOOK_CONTENT_TYPE]


@pytest.mark.parametrize("venue", sorted(SCENARIOS))
async def test_live_feed_survives_disconnect_gap_and_bad_checksum(venue: str) -> None:
    sc = SCENARIOS[venue]
    published: list[pb.Message] = []
    feed, server, held = await run_scenario(venue, published.append)
    counters = feed.counters()
    assert {k: counters[k] for k in sc["counts"]} == sc["counts"]
    assert counters["connections"] == 2 and counters["malformed"] == 0
    # every connection subscribed to the book again
    assert len(server.received) == 2 and all(any("subscribe" in m.lower() for m in conn) for conn in server.received)
    batches = book_batches(published)
    assert all(m.topic == f"data.books.{sc['iid'].split('.')[1]}.{sc['iid'].split('.')[0]}" and
               m.ordering_key == sc["iid"] for m in published if m.content_type == BOOK_CONTENT_TYPE)
    resets = [(b.is_snapshot, b.reset_reason) for b in batches
              if b.deltas and b.deltas[0].action == data_pb2.BOOK_ACTION_CLEAR]
    assert resets == sc["resets"] + [(False, STOPPED)]  # the stop clears too: nobody keeps the book any more
    # a subscriber that applies what was published holds the venue's book, exactly
    replica = BookReplica()
    for b in batches[:-1]:
        replica.apply(b)
    assert replica.levels(sc["iid"]) == sc["final"] == held
    replica.apply(batches[-1])
    assert replica.levels(sc["iid"]) == {"bids": [], "asks": []}
    if venue == "binance":
        assert len(server.snapshot_requests) == 3 and "symbol=BNBBTC" in server.snapshot_requests[0]


async def test_okx_books_through_the_gateway(endpoint: str) -> None:
    """End to end: the OKX scenario published into a real gateway; a subscriber to data.books.OKX.>
    sees the resets and rebuilds the final book."""
    async with TidegateClient([endpoint]) as sub, TidegateClient([endpoint], client_name="okx-live") as pub:
        got: list[ReceivedMessage] = []
        await sub.subscribe(["data.books.OKX.>"], got.append)
        futures: list[asyncio.Future[Any]] = []
        feed, _, _ = await run_scenario("okx", lambda m: futures.append(pub.publish(m)))
        await pub.flush(30)
        assert all(f.done() and f.exception() is None for f in futures)
        n_books = feed.books.stats.snapshots + feed.books.stats.updates + 4  # + the four lone resets
        await until(lambda: len(got) >= n_books, what=f"{n_books} book batches")
    assert all(m.topic == "data.books.OKX.BTCUSDT" and m.message.content_type == BOOK_CONTENT_TYPE for m in got)
    batches = [data_pb2.OrderBookDeltas.FromString(m.payload) for m in got]
    assert [(b.is_snapshot, b.reset_reason) for b in batches
            if b.deltas[0].action == data_pb2.BOOK_ACTION_CLEAR] == OKX_RESETS + [(False, STOPPED)]
    replica = BookReplica()
    for b in batches[:-1]:
        replica.apply(b)
    assert replica.levels("BTCUSDT.OKX") == OKX_FINAL
    assert batches[-2].sequence == 41


async def test_replay_cli_publishes_listing_then_books_from_a_file(endpoint: str, tmp_path: Path) -> None:
    """File mode: the OKX listing first, then the book of recorded frames; a gap in the file
    publishes a reset and the next snapshot in the file resyncs."""
    v = OkxVenue()
    frames = [v.frame("snapshot", 1, -1, {"10": "1"}, {"11": "1"}), v.frame("update", 2, 1, {"10.5": "2"}, {}),
              v.frame("update", 9, 8, {"10.6": "2"}, {}),  # gap
              v.frame("update", 10, 9, {"10.7": "2"}, {}),  # dropped: waiting for a snapshot
              v.frame("snapshot", 20, -1, {"10": "3"}, {"11": "1"}), v.frame("update", 21, 20, {}, {"11.5": "4"})]
    path = tmp_path / "okx-books.jsonl"
    path.write_text("\n".join(json.dumps(f[1]) for f in frames) + "\n")
    async with TidegateClient([endpoint]) as sub:
        got: list[ReceivedMessage] = []
        await sub.subscribe(["data.books.OKX.>", "data.instruments.OKX"], got.append)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tidegate_adapters.replay", "--venue", "okx", "--file", str(path), "--books",
            "--listing", str(FIXTURES / "okx.json"), "--endpoint", endpoint,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        assert "books=5 definitions=5" in out.decode() and "publish_failed=0" in out.decode()
        await until(lambda: len(got) >= 10, what="5 definitions and 5 book batches")
    definitions = [m for m in got if m.topic == "data.instruments.OKX"]
    assert {m.message.ordering_key for m in definitions} == {"BTC-USDT", "BTC-USD-SWAP", "BTC-USDT-SWAP",
                                                             "BTC-USD-250328", "BTC-USD-250328-100000-C"}
    replica = BookReplica()
    batches = [data_pb2.OrderBookDeltas.FromString(m.payload) for m in got if m.topic == "data.books.OKX.BTCUSDT"]
    for b in batches:
        replica.apply(b)
    assert [b.reset_reason for b in batches if b.deltas[0].action == data_pb2.BOOK_ACTION_CLEAR] == [INITIAL, GAP, GAP]
    assert replica.levels("BTCUSDT.OKX") == book({"10": "3"}, {"11": "1", "11.5": "4"})
