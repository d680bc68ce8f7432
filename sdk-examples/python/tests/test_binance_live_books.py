"""Binance books live: the diff-depth stream from a local WebSocket server and the REST snapshot
(``GET /api/v3/depth``) from the same server's HTTP side, synced by Binance's documented procedure
(buffer the diffs, fetch the snapshot beside them, drop ``u <= lastUpdateId``, the first applied
straddles ``lastUpdateId + 1``, then each ``U`` is the previous ``u + 1``), published into a real
gateway whose ``GetBook`` answers the levels. Faults: a gap in ``U``/``u``, a disconnect, a snapshot
older than the buffered diffs, a snapshot request that fails. USD-M futures (``GET /fapi/v1/depth``)
by their own rules: drop ``u < lastUpdateId``, the first applied has ``U <= lastUpdateId <= u``, then
each event's ``pu`` is the previous ``u`` (their update ids skip), with a ``pu`` gap."""
from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from venue_server import Step, VenueServer
from tidegate import TidegateClient, TidegateError, pb
from tidegate.market.v1 import common_pb2, data_pb2
from tidegate.v1 import books_pb2
from tidegate_adapters.books import BOOK_CONTENT_TYPE, BinanceBooks, BookReplica
from tidegate_adapters.live import Backoff, LiveFeed, http_snapshot_fetcher

PROJECT = Path(__file__).resolve().parent.parent
INITIAL, RECONNECT = data_pb2.BOOK_RESET_REASON_INITIAL, data_pb2.BOOK_RESET_REASON_RECONNECT
GAP, STOPPED = data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP, data_pb2.BOOK_RESET_REASON_FEED_STOPPED
FAST = Backoff(initial=0.01, maximum=0.05)
Book = dict[str, list[tuple[Decimal, Decimal]]]


def book(bids: dict[str, str], asks: dict[str, str]) -> Book:
    return {"bids": sorted(((Decimal(p), Decimal(s)) for p, s in bids.items()), reverse=True),
            "asks": sorted((Decimal(p), Decimal(s)) for p, s in asks.items())}


def depth(symbol: str, first: int, last: int, b: list[list[str]], a: list[list[str]] | None = None) -> Step:
    """One diff-depth event as the combined stream sends it."""
    return ("send", {"stream": f"{symbol.lower()}@depth@100ms",
                     "data": {"e": "depthUpdate", "E": 1672515782136 + last, "s": symbol, "U": first, "u": last,
                              "b": b, "a": a or []}})


def fdepth(symbol: str, first: int, last: int, previous: int, b: list[list[str]],
           a: list[list[str]] | None = None) -> Step:
    """One USD-M futures diff-depth event: ``pu`` is the previous event's ``u``."""
    step = depth(symbol, first, last, b, a)
    step[1]["data"].update(pu=previous, T=1672515782130 + last)
    return step


def snapshot(last_update_id: int, bids: list[list[str]], asks: list[list[str]]) -> dict[str, Any]:
    return {"lastUpdateId": last_update_id, "bids": bids, "asks": asks}


def answered(response: books_pb2.GetBookResponse) -> Book:
    def dec(d: common_pb2.Decimal) -> Decimal:
        return Decimal(d.units).scaleb(-d.scale)
    return {"bids": [(dec(lv.price), dec(lv.size)) for lv in response.bids],
            "asks": [(dec(lv.price), dec(lv.size)) for lv in response.asks]}


async def gateway_book(client: TidegateClient, symbol: str, sequence: int, venue: str = "BINANCE") -> Book:
    """The gateway's book of ``symbol`` once it reached ``sequence`` (the last diff's ``u``)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        try:
            response = await client.get_book(venue, symbol)
            if response.sequence == sequence:
                return answered(response)
        except TidegateError:
            pass  # NOT_FOUND before the first batch, UNAVAILABLE while reset
        assert asyncio.get_running_loop().time() < deadline, f"GetBook {venue} {symbol} never reached {sequence}"
        await asyncio.sleep(0.02)


def resets(published: list[pb.Message]) -> list[tuple[bool, int]]:
    """(is_snapshot, reset_reason) of each published batch that clears the book, in order."""
    batches = [data_pb2.OrderBookDeltas.FromString(m.payload) for m in published if m.content_type == BOOK_CONTENT_TYPE]
    return [(b.is_snapshot, b.reset_reason) for b in batches if b.deltas[0].action == data_pb2.BOOK_ACTION_CLEAR]


def replica_of(published: list[pb.Message], iid: str) -> Book:
    replica = BookReplica()
    for m in published:
        if m.content_type == BOOK_CONTENT_TYPE:
            replica.apply(data_pb2.OrderBookDeltas.FromString(m.payload))
    return replica.levels(iid)


async def run_live(endpoint: str, symbol: str, scripts: Callable[[Callable[[], int]], list[list[Step]]],
                   snapshots: list[Any], final: Book, sequence: int,
                   futures: bool = False) -> tuple[LiveFeed, VenueServer, list[pb.Message]]:
    """Runs a Binance LiveFeed against the scripts and the snapshots, publishing into the gateway,
    until the gateway's book of ``symbol`` is ``final`` at ``sequence``; then stops the feed.
    ``scripts`` is given the number of snapshots the feed applied so far."""
    feeds: list[LiveFeed] = []
    published: list[pb.Message] = []
    async with TidegateClient([endpoint], client_name="binance-live") as client, \
            VenueServer(scripts(lambda: feeds[0].books.stats.snapshots), snapshots) as server:
        def publish(message: pb.Message) -> None:
            published.append(message)
            client.publish(message)
        rest = server.rest_url + "/fapi/v1/depth?symbol={symbol}&limit=1000" if futures else server.http_url
        feed = LiveFeed("binance", server.url, [symbol], publish, backoff=FAST, rng=random.Random(3),
                        books=BinanceBooks(futures=futures), snapshot_fetcher=http_snapshot_fetcher(rest))
        feeds.append(feed)
        stop = asyncio.Event()
        task = asyncio.create_task(feed.run(stop))
        try:
            await asyncio.wait_for(server.finished.wait(), 20)
            assert await gateway_book(client, symbol, sequence) == final
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        await client.flush(10)
    assert replica_of(published[:-1], f"{symbol}.BINANCE") == final  # before the stop's reset
    assert resets(published)[-1] == (False, STOPPED)
    return feed, server, published


def subscribed(symbol: str) -> Step:
    return ("expect", f"{symbol.lower()}@depth@100ms")


async def test_live_book_syncs_from_the_rest_snapshot_and_the_buffered_stream(endpoint: str) -> None:
    def scripts(applied: Callable[[], int]) -> list[list[Step]]:
        return [[subscribed("LTCBTC"),
                 depth("LTCBTC", 95, 99, [["0.0030", "7"]]),  # all in the snapshot: dropped
                 depth("LTCBTC", 100, 102, [["0.0031", "1"]], [["0.0035", "2"]]),  # straddles 101: applied
                 ("until", lambda: applied() >= 1),
                 depth("LTCBTC", 103, 103, [["0.0030", "0"]]),
                 depth("LTCBTC", 104, 106, [], [["0.0034", "4"], ["0.0036", "0"]])]]
    snapshots = [snapshot(100, [["0.0030", "7"], ["0.0029", "3"]], [["0.0035", "1"], ["0.0036", "5"]])]
    final = book({"0.0031": "1", "0.0029": "3"}, {"0.0034": "4", "0.0035": "2"})
    feed, server, published = await run_live(endpoint, "LTCBTC", scripts, snapshots, final, 106)
    assert resets(published) == [(True, INITIAL), (False, STOPPED)]
    c = feed.counters()
    assert (c["snapshots"], c["book_updates"], c["gaps"], c["resyncs"], c["snapshot_failures"]) == (1, 3, 0, 0, 0)
    assert server.snapshot_requests == ["/api/v3/depth?symbol=LTCBTC&limit=1000"]


async def test_a_gap_in_u_publishes_one_reset_and_the_refetched_snapshot_resyncs(endpoint: str) -> None:
    def scripts(applied: Callable[[], int]) -> list[list[Step]]:
        return [[subscribed("ETHBTC"),
                 depth("ETHBTC", 10, 12, [["0.051", "1"]]),
                 ("until", lambda: applied() >= 1),
                 depth("ETHBTC", 13, 14, [["0.052", "2"]]),
                 depth("ETHBTC", 18, 19, [["0.053", "3"]]),  # 15..17 never came: reset, fetch again
                 depth("ETHBTC", 20, 20, [["0.050", "0"]]),  # no second reset; applied after the new snapshot
                 ("until", lambda: applied() >= 2),
                 depth("ETHBTC", 21, 22, [], [["0.060", "9"]])]]
    snapshots = [snapshot(11, [["0.050", "4"]], [["0.055", "1"]]),
                 snapshot(19, [["0.053", "3"], ["0.052", "2"], ["0.050", "4"]], [["0.055", "1"]])]
    final = book({"0.053": "3", "0.052": "2"}, {"0.055": "1", "0.060": "9"})
    feed, server, published = await run_live(endpoint, "ETHBTC", scripts, snapshots, final, 22)
    assert resets(published) == [(True, INITIAL), (False, GAP), (True, GAP), (False, STOPPED)]
    c = feed.counters()
    assert (c["gaps"], c["resyncs"], c["snapshots"], c["connections"]) == (1, 1, 2, 1)
    assert len(server.snapshot_requests) == 2


async def test_a_disconnect_reconnects_resubscribes_and_resyncs_from_a_new_snapshot(endpoint: str) -> None:
    def scripts(applied: Callable[[], int]) -> list[list[Step]]:
        return [[subscribed("XRPBTC"),
                 depth("XRPBTC", 50, 51, [["0.00001", "100"]]),
                 ("until", lambda: applied() >= 1), ("drop",)],
                [subscribed("XRPBTC"),  # subscribed again on the new connection
                 depth("XRPBTC", 70, 72, [["0.00002", "5"]]),
                 ("until", lambda: applied() >= 2),
                 depth("XRPBTC", 73, 74, [], [["0.00004", "8"]])]]
    snapshots = [snapshot(50, [["0.00001", "90"]], [["0.00003", "1"]]),
                 snapshot(71, [["0.00001", "100"], ["0.00002", "1"]], [["0.00003", "1"]])]
    final = book({"0.00002": "5", "0.00001": "100"}, {"0.00003": "1", "0.00004": "8"})
    feed, server, published = await run_live(endpoint, "XRPBTC", scripts, snapshots, final, 74)
    assert resets(published) == [(True, INITIAL), (False, RECONNECT), (True, RECONNECT), (False, STOPPED)]
    c = feed.counters()
    assert (c["connections"], c["reconnects"], c["snapshots"], c["gaps"]) == (2, 1, 2, 0)
    assert len(server.received) == 2 and all(any("xrpbtc@depth@100ms" in m for m in conn) for conn in server.received)
    assert len(server.snapshot_requests) == 2


BAD_SNAPSHOTS: dict[str, Any] = {"older": snapshot(150, [["0.00000900", "1"]], [["0.00001100", "1"]]),
                                 "failing": 503,  # the HTTP status the REST side answers
                                 "malformed": snapshot(201, [["0.00001000", "ten"]], [])}


@pytest.mark.parametrize("bad", sorted(BAD_SNAPSHOTS))
async def test_a_snapshot_older_than_the_buffered_stream_failing_or_malformed_is_fetched_again_on_the_same_connection(
        endpoint: str, bad: str) -> None:
    symbol = {"older": "ADABTC", "failing": "DOTBTC", "malformed": "SOLBTC"}[bad]

    def scripts(applied: Callable[[], int]) -> list[list[Step]]:
        return [[subscribed(symbol),
                 depth(symbol, 200, 201, [["0.00001000", "10"]]),
                 depth(symbol, 202, 203, [], [["0.00001200", "3"]]),
                 ("until", lambda: applied() >= 1),
                 depth(symbol, 204, 204, [["0.00001000", "0"]])]]
    snapshots = [BAD_SNAPSHOTS[bad], snapshot(201, [["0.00001000", "10"]], [["0.00001100", "2"]])]
    final = book({}, {"0.00001100": "2", "0.00001200": "3"})
    feed, server, published = await run_live(endpoint, symbol, scripts, snapshots, final, 204)
    assert resets(published) == [(True, INITIAL), (False, STOPPED)]  # the bad snapshot published nothing
    c = feed.counters()
    assert (c["stale_snapshots"], c["snapshot_failures"]) == ((1, 0) if bad == "older" else (0, 1))
    assert (c["connections"], c["snapshots"], c["resyncs"]) == (1, 1, 0)
    assert len(server.snapshot_requests) == 2


async def test_live_cli_takes_the_rest_url_and_the_gateway_serves_the_book(endpoint: str) -> None:
    scripts = [[subscribed("BNBETH"), depth("BNBETH", 300, 301, [["0.25", "4"]], [["0.26", "1"]]),
                depth("BNBETH", 302, 302, [["0.24", "2"]])]]
    snapshots = [snapshot(300, [["0.25", "3"]], [["0.26", "1"], ["0.27", "2"]])]
    async with VenueServer(scripts, snapshots) as server, TidegateClient([endpoint]) as client:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tidegate_adapters.live", "--venue", "binance", "--url", server.url,
            "--symbols", "BNBETH", "--rest-url", server.rest_url + "/", "--endpoint", endpoint,
            "--backoff-initial", "0.01", "--backoff-max", "0.05", cwd=PROJECT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            assert await gateway_book(client, "BNBETH", 302) == book({"0.25": "4", "0.24": "2"},
                                                                     {"0.26": "1", "0.27": "2"})
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    counters = json.loads(out.decode().strip().splitlines()[-1])
    assert counters["snapshots"] == 1 and counters["book_updates"] == 2 and counters["malformed"] == 0
    assert server.snapshot_requests == ["/api/v3/depth?symbol=BNBETH&limit=1000"]


async def test_futures_book_applies_the_event_straddling_last_update_id_then_follows_the_pu_chain(
        endpoint: str) -> None:
    def scripts(applied: Callable[[], int]) -> list[list[Step]]:
        return [[subscribed("BTCUSDT"),
                 fdepth("BTCUSDT", 140, 150, 130, [["100.0", "9"]]),  # u < lastUpdateId: dropped
                 # u == lastUpdateId: the first processed (in the snapshot already, so nothing published)
                 fdepth("BTCUSDT", 151, 160, 150, [["100.0", "5"]]),
                 ("until", lambda: applied() >= 1),
                 # U skips 161..164, as futures ids do: chained by pu, not by U
                 fdepth("BTCUSDT", 165, 170, 160, [["99.5", "2"]], [["101.0", "0"]]),
                 fdepth("BTCUSDT", 176, 180, 170, [], [["100.5", "3"]])]]
    snapshots = [snapshot(160, [["100.0", "5"]], [["101.0", "1"]])]
    final = book({"100.0": "5", "99.5": "2"}, {"100.5": "3"})
    feed, server, published = await run_live(endpoint, "BTCUSDT", scripts, snapshots, final, 180, futures=True)
    assert resets(published) == [(True, INITIAL), (False, STOPPED)]
    c = feed.counters()
    assert (c["snapshots"], c["book_updates"], c["stale_dropped"], c["gaps"], c["resyncs"]) == (1, 2, 1, 0, 0)
    assert server.snapshot_requests == ["/fapi/v1/depth?symbol=BTCUSDT&limit=1000"]


async def test_futures_pu_gap_publishes_exactly_one_reset_and_resyncs_from_a_new_snapshot(endpoint: str) -> None:
    def scripts(applied: Callable[[], int]) -> list[list[Step]]:
        return [[subscribed("ETHUSDT"),
                 fdepth("ETHUSDT", 15, 20, 10, [["2000", "1"]]),
                 ("until", lambda: applied() >= 1),
                 fdepth("ETHUSDT", 25, 30, 20, [["2001", "2"]]),
                 fdepth("ETHUSDT", 36, 40, 33, [["2002", "3"]]),  # pu 33, not 30: an event was lost
                 fdepth("ETHUSDT", 41, 45, 40, [["2000", "0"]]),  # no second reset
                 ("until", lambda: applied() >= 2),
                 fdepth("ETHUSDT", 46, 50, 45, [], [["2010", "7"]])]]
    snapshots = [snapshot(20, [["2000", "1"]], [["2005", "1"]]),
                 snapshot(40, [["2002", "3"], ["2001", "2"], ["2000", "1"]], [["2005", "1"]])]
    final = book({"2002": "3", "2001": "2"}, {"2005": "1", "2010": "7"})
    feed, server, published = await run_live(endpoint, "ETHUSDT", scripts, snapshots, final, 50, futures=True)
    assert resets(published) == [(True, INITIAL), (False, GAP), (True, GAP), (False, STOPPED)]
    c = feed.counters()
    assert (c["gaps"], c["resyncs"], c["snapshots"], c["connections"]) == (1, 1, 2, 1)
    assert server.snapshot_requests == ["/fapi/v1/depth?symbol=ETHUSDT&limit=1000"] * 2


async def test_live_cli_segment_linear_fetches_the_futures_snapshot_and_syncs_by_pu(endpoint: str) -> None:
    scripts = [[subscribed("SOLUSDT"), fdepth("SOLUSDT", 290, 300, 280, [["20.0", "3"]]),
                fdepth("SOLUSDT", 305, 310, 300, [["20.1", "4"]], [["20.5", "0"]])]]
    snapshots = [snapshot(300, [["20.0", "3"]], [["20.5", "1"], ["20.6", "2"]])]
    async with VenueServer(scripts, snapshots) as server, TidegateClient([endpoint]) as client:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tidegate_adapters.live", "--venue", "binance", "--segment", "linear",
            "--url", server.url, "--symbols", "SOLUSDT", "--rest-url", server.rest_url, "--endpoint", endpoint,
            "--backoff-initial", "0.01", "--backoff-max", "0.05", cwd=PROJECT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            assert await gateway_book(client, "SOLUSDT", 310) == book({"20.1": "4", "20.0": "3"}, {"20.6": "2"})
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    counters = json.loads(out.decode().strip().splitlines()[-1])
    assert (counters["snapshots"], counters["gaps"], counters["malformed"]) == (1, 0, 0)
    assert server.snapshot_requests == ["/fapi/v1/depth?symbol=SOLUSDT&limit=1000"]
