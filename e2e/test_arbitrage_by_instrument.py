"""Instruments and arbitrage across venues, on real processes:

    gateway jar (memory backend, intelligence.arbitrage.enabled)
    Python listings CLI: Binance and Bybit spot listings (their REST formats) -> data.instruments.<VENUE>
    Java ArbitrageWatcher: subscribes by instrument to BTC/USDT quotes, and to signals.arb.BTC.USDT
    Python replay adapters: Binance bookTicker quotes and its diff-depth book (--books with the
    recorded REST snapshot, --snapshot: OrderBookDeltas on data.books.BINANCE.BTCUSDT); then Bybit
    orderbook.1 quotes and its orderbook.50 L2 book (--books: OrderBookDeltas on data.books.BYBIT.BTCUSDT)

Bybit's BTC/USDT quote does not cross Binance's ask; its book's snapshot does not either, and then a
book update raises Bybit's best bid above Binance's ask. So the gateway's OPEN signal (buy on
Binance, sell on Bybit, with the prices, size and fee-net edge the book and the quote give) comes
from the book the gateway keeps. The next Bybit book update skips sequence numbers: the adapter
publishes a reset, the gateway's book is lost and the signal CLOSEs; GetBook then says the book
awaits a snapshot. Binance's book (its top equal to its quote, so the signal is the same) is synced
by the documented procedure from the snapshot and the diff events after it, and GetBook answers its
levels. The watcher also gets both venues' BTC/USDT quotes (and no other instrument's:
ETH/BTC is listed, ETHUSDT is quoted on both venues but listed on neither).
"""
from __future__ import annotations

import asyncio
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import grpc

from conftest import PYTHON_DIR, Prerequisites
from procs import Processes, strip_ansi
from tidegate.market.v1 import common_pb2
from tidegate.v1 import books_pb2, books_pb2_grpc, instruments_pb2, instruments_pb2_grpc

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LISTINGS = PYTHON_DIR / "tests" / "fixtures" / "listings"
KEY = "BTC/USDT"
FEE_BPS = Decimal(10)  # the gateway's default taker fee, both venues
SIGNAL = re.compile(r"^signal OPEN BTC/USDT buy BINANCE BTCUSDT at (\S+) sell BYBIT BTCUSDT at (\S+) size (\S+) "
                    r"edge (\S+) bps$", re.MULTILINE)
CLOSE = re.compile(r"^signal CLOSE BTC/USDT ", re.MULTILINE)


async def listed_venues(endpoint: str, key: str) -> set[str]:
    async with grpc.aio.insecure_channel(endpoint) as channel:
        answer = await instruments_pb2_grpc.InstrumentsServiceStub(channel).Equivalents(
            instruments_pb2.EquivalentsRequest(key=key), timeout=10)
    return {m.venue for m in answer.markets}


async def test_a_java_watcher_by_instrument_gets_both_venues_quotes_and_the_arbitrage_signal(
        prereq: Prerequisites, procs: Processes) -> None:
    # 1. The gateway, arbitrage on; a venue stays fresh long enough for a slow machine.
    gateway = procs.start("gateway", [prereq.java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-jar", str(prereq.gateway_jar), "--grpc.host=127.0.0.1", "--grpc.port=0",
                                      "--http.port=-1", "--intelligence.arbitrage.enabled=true",
                                      "--intelligence.arbitrage.threshold-bps=1",
                                      "--intelligence.arbitrage.stale-after=30s"])
    m = await gateway.wait_for_line(r"tidegate: gateway (\S+) listening on ([\d.]+):(\d+)", 90)
    endpoint = f"127.0.0.1:{m.group(3)}"

    # 2. The venues' listings, published by the adapters' listings CLI.
    listings = [procs.start(f"listing-{v}", [sys.executable, "-m", "tidegate_adapters.listings", "publish",
                                             "--venue", v, "--file", str(LISTINGS / f"{v}_spot.json"),
                                             "--endpoint", endpoint], cwd=PYTHON_DIR)
                for v in ("binance", "bybit")]
    for p in listings:
        assert await p.wait_exit(60) == 0, p.tail()
    deadline = time.monotonic() + 20
    # the registry reads listings off the publish path: wait until it knows both venues
    while (seen := await listed_venues(endpoint, KEY)) != {"BINANCE", "BYBIT"} and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert seen == {"BINANCE", "BYBIT"}, gateway.tail()

    # 3. The Java watcher, by instrument and on the instrument's signals.
    watcher = procs.start("watcher", [prereq.java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                      "-cp", prereq.classpath, "io.tidegate.examples.ArbitrageWatcher",
                                      "--endpoint", endpoint, "--instrument", KEY, "--exit-after", "60"])
    await watcher.wait_for_line(r"^watching BTC/USDT: quotes by instrument and signals\.arb\.BTC\.USDT$", 60)

    # 4. The replay adapters: Binance's quotes first, then Bybit's quotes and book (their order decides
    #    the signals: the crossing, then the reset, both on Bybit's side).
    #    Both replay their books: Binance's from the recorded REST snapshot and the diff events after it.
    books = {"binance": ["--books", "--snapshot", f"BTCUSDT={FIXTURES / 'binance_depth_snapshot.json'}"],
             "bybit": ["--books"]}
    for v, extra in books.items():
        replay = procs.start(f"replay-{v}", [sys.executable, "-m", "tidegate_adapters.replay", "--venue", v,
                                             "--file", str(FIXTURES / f"{v}_crossing.jsonl"), "--endpoint", endpoint,
                                             "--client-name", f"e2e-arb-{v}", *extra], cwd=PYTHON_DIR)
        assert await replay.wait_exit(60) == 0, replay.tail()
        assert re.search(r"publish_failed=0", replay.output()), replay.tail()
        # Binance: snapshot 1000 and the events ending at u=1003 and 1006; Bybit: snapshot, update, reset
        assert re.search(r"books=3\b", replay.output()), replay.tail()

    signal = await watcher.wait_for_line(SIGNAL.pattern, 30)
    await watcher.wait_for_line(CLOSE.pattern, 30)
    await watcher.wait_for_line(r"^market data\.quotes\.BINANCE\.BTCUSDT ", 30)
    await watcher.wait_for_line(r"^market data\.quotes\.BYBIT\.BTCUSDT ", 30)

    buy, sell, size, edge = (Decimal(g) for g in signal.groups())
    assert (buy, sell, size) == (Decimal("97000.01"), Decimal("97500.00"), Decimal("0.25"))
    fee = FEE_BPS / 10_000
    expected_edge = (sell * (1 - fee) / (buy * (1 + fee)) - 1) * 10_000
    assert abs(edge - expected_edge) < Decimal("0.01"), (edge, expected_edge)

    # the ETH quotes went out before the BTC ones on each venue: delivered, they would be here
    market = re.findall(r"^market (\S+) ", strip_ansi(watcher.output()), re.MULTILINE)
    assert sorted(market) == ["data.quotes.BINANCE.BTCUSDT", "data.quotes.BYBIT.BTCUSDT"], watcher.tail()
    assert len(SIGNAL.findall(strip_ansi(watcher.output()))) == 1, watcher.tail()

    # the gateway's book of Bybit was lost with the reset: served again only after a snapshot
    async with grpc.aio.insecure_channel(endpoint) as channel:
        stub = books_pb2_grpc.BooksServiceStub(channel)
        try:
            await stub.GetBook(books_pb2.GetBookRequest(venue="BYBIT", symbol="BTCUSDT"), timeout=10)
            raise AssertionError("GetBook served a book that was reset")
        except grpc.aio.AioRpcError as e:
            assert e.code() == grpc.StatusCode.UNAVAILABLE, e
            assert "BOOK_RESET_REASON_SEQUENCE_GAP" in (e.details() or ""), e.details()

        # Binance's book: the snapshot at lastUpdateId 1000 and the two events after it (the one
        # ending at 1000 dropped), sequence = the last u
        binance = await stub.GetBook(books_pb2.GetBookRequest(venue="BINANCE", symbol="BTCUSDT"), timeout=10)
    assert binance.sequence == 1006, binance
    assert [(dec(l.price), dec(l.size)) for l in binance.bids] == [
        (Decimal("97000.00"), Decimal("0.5")), (Decimal("96999.00"), Decimal("1")), (Decimal("96998.00"), Decimal("3"))]
    assert [(dec(l.price), dec(l.size)) for l in binance.asks] == [
        (Decimal("97000.01"), Decimal("0.4")), (Decimal("97002.00"), Decimal("1.5"))]


def dec(d: common_pb2.Decimal) -> Decimal:
    """A wire decimal as a Python Decimal."""
    return Decimal(d.units).scaleb(-d.scale)
