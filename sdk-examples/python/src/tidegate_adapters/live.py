"""Live WebSocket mode: one venue connection that survives the real world.

:class:`LiveFeed` connects, subscribes to quotes, trades and the L2 book, keeps the venue's
keepalive, and on any loss (close, error, timeout) publishes a book reset, waits an exponential
backoff with jitter and reconnects and resubscribes. Sequence gaps and checksum failures found by
the book engine (:mod:`tidegate_adapters.books`) resync that book from a new snapshot. Counters
(``LiveFeed.counters()``): connections, reconnects, gaps, checksum failures, resyncs, snapshots,
messages, malformed, published; each event is also logged with the counters so far.

    python -m tidegate_adapters.live --venue okx --url wss://ws.okx.com:8443/ws/v5/public --symbols BTC-USDT
    python -m tidegate_adapters.live --venue binance --url wss://stream.binance.com:9443/ws --symbols BTCUSDT \
        --rest-url https://api.binance.com
    python -m tidegate_adapters.live --venue binance --segment linear --url wss://fstream.binance.com/ws \
        --symbols BTCUSDT --venue-name BINANCEUSDM

Binance books need a REST snapshot (``GET <rest-url>/api/v3/depth``): it is fetched in a task beside
the read loop, which keeps buffering the symbol's diffs for :class:`~tidegate_adapters.books.BinanceBooks`
(the replay's engine too); a failed fetch, or a snapshot older than the buffered diffs, is fetched
again after the backoff on the same connection (``snapshot_failures``, ``stale_snapshots``).
``--segment linear`` (USD-M futures, ``GET <rest-url>/fapi/v1/depth``) or ``inverse`` (COIN-M,
``/dapi/v1/depth``) syncs by the futures rules (the first event straddles ``lastUpdateId``, then each
event's ``pu`` is the previous event's ``u``). ``--venue-name BINANCEUSDM`` publishes them (quotes,
trades, books and the ``--listing``) under that name instead of ``BINANCE``, so the gateway keeps
the USD-M perpetual apart from the spot market of the same id (:mod:`tidegate_adapters.venue_name`).

One LiveFeed runs in one asyncio task; its counters are read from the same loop.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import websockets

from tidegate import TidegateClient, TidegateError, pb
from tidegate.market.v1 import data_pb2
from . import parser_for
from ._common import Adapter, MalformedMessage, loads, now_ns, to_message
from .books import ENGINES, BinanceBooks, BookEngine, BookOutput, to_book_message
from .connection import add_connection_flags, check_connection_flags, client_options
from .venue_name import add_venue_name_flag, renamed

log = logging.getLogger("tidegate_adapters.live")

SnapshotFetcher = Callable[[str], Awaitable[Any]]
BINANCE_REST_URL = "https://api.binance.com"
BINANCE_DEPTH_PATH = "/api/v3/depth?symbol={symbol}&limit=1000"
BINANCE_SNAPSHOT_URL = BINANCE_REST_URL + BINANCE_DEPTH_PATH
# Binance segment -> (the REST base URL, the depth path): spot, USD-M futures, COIN-M futures
BINANCE_REST: dict[str, tuple[str, str]] = {
    "spot": (BINANCE_REST_URL, BINANCE_DEPTH_PATH),
    "linear": ("https://fapi.binance.com", "/fapi/v1/depth?symbol={symbol}&limit=1000"),
    "inverse": ("https://dapi.binance.com", "/dapi/v1/depth?symbol={symbol}&limit=1000"),
}


@dataclass(frozen=True)
class Backoff:
    """Delay before reconnect attempt ``n`` (0-based): ``min(maximum, initial * factor**n)``, of which
    the upper half is random (equal jitter), so many adapters do not reconnect in step."""

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.maximum, self.initial * self.factor ** min(attempt, 32))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def http_snapshot_fetcher(template: str = BINANCE_SNAPSHOT_URL, timeout: float = 10.0) -> SnapshotFetcher:
    """Fetches ``template.format(symbol=...)`` over HTTP in a worker thread (the loop never blocks)."""

    def get(symbol: str) -> Any:
        url = template.format(symbol=urllib.parse.quote(symbol.upper()))
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - the venue's URL
            return loads(resp.read())

    async def fetch(symbol: str) -> Any:
        return await asyncio.to_thread(get, symbol)

    return fetch


class LiveFeed:
    """A venue WebSocket kept alive, its messages turned into ticks and book batches and handed to
    ``publish`` (e.g. ``TidegateClient.publish``)."""

    def __init__(self, venue: str, url: str, symbols: Sequence[str], publish: Callable[[pb.Message], object],
                 *, books: BookEngine | None = None, snapshot_fetcher: SnapshotFetcher | None = None,
                 backoff: Backoff = Backoff(), rng: random.Random | None = None, idle_timeout: float = 60.0,
                 clock: Callable[[], int] = now_ns, venue_name: str | None = None) -> None:
        self.venue = venue.lower()
        self.venue_name = venue_name  # published under this name instead of the venue's own (None: its own)
        self.url = url
        self.symbols = list(symbols)
        self.publish = publish
        self.parser = parser_for(self.venue)
        self.adapter = Adapter(self.parser, clock)
        self.books = books if books is not None else ENGINES[self.venue]()
        if self.venue == "binance" and snapshot_fetcher is None:
            snapshot_fetcher = http_snapshot_fetcher()
        self.snapshot_fetcher = snapshot_fetcher
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.idle_timeout = idle_timeout  # no message for this long: the connection is dead
        self.clock = clock
        self.connections = 0
        self.reconnects = 0
        self.book_malformed = 0
        self.published = 0
        self.snapshot_failures = 0
        self._fetches: dict[str, asyncio.Task[None]] = {}  # the session's REST snapshot fetches, by symbol

    # -- counters ------------------------------------------------------------------------------
    @property
    def gaps(self) -> int:
        return self.books.stats.gaps

    @property
    def checksum_failures(self) -> int:
        return self.books.stats.checksum_failures

    @property
    def resyncs(self) -> int:
        return self.books.stats.resyncs

    def counters(self) -> dict[str, int]:
        s = self.books.stats
        return {"connections": self.connections, "reconnects": self.reconnects, "gaps": s.gaps,
                "checksum_failures": s.checksum_failures, "resyncs": s.resyncs, "snapshots": s.snapshots,
                "book_updates": s.updates, "stale_dropped": s.stale_dropped,
                "stale_snapshots": s.stale_snapshots, "messages": self.adapter.stats.messages,
                "malformed": self.adapter.stats.malformed + self.book_malformed,
                "snapshot_failures": self.snapshot_failures, "published": self.published}

    def _summary(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.counters().items())

    # -- the loop ------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Runs until ``stop`` is set (or forever), reconnecting after every loss."""
        stop = stop or asyncio.Event()
        attempt = 0
        while not stop.is_set():
            try:
                async with websockets.connect(self.url, open_timeout=15, max_size=16 << 20, ping_interval=20,
                                              close_timeout=2) as ws:
                    self.connections += 1
                    if self.connections > 1:
                        self.reconnects += 1
                        log.info("%s: reconnected to %s (%s)", self.venue, self.url, self._summary())
                    if await self._session(ws, stop):
                        attempt = 0  # the connection carried data: the next loss starts the backoff anew
            except (OSError, TimeoutError, websockets.WebSocketException) as e:
                log.warning("%s: connection to %s lost: %s", self.venue, self.url, e or type(e).__name__)
            if stop.is_set():
                # consumers must not keep a book nobody maintains any more
                self._emit(self.books.on_disconnect(self.clock(), data_pb2.BOOK_RESET_REASON_FEED_STOPPED))
                break
            self._emit(self.books.on_disconnect(self.clock()))
            delay = self.backoff.delay(attempt, self.rng)
            attempt += 1
            log.info("%s: reconnecting in %.3f s (attempt %d; %s)", self.venue, delay, attempt, self._summary())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        log.info("%s: stopped (%s)", self.venue, self._summary())

    async def _session(self, ws: websockets.ClientConnection, stop: asyncio.Event) -> bool:
        for request in self.parser.subscribe_requests(self.symbols) + self.books.subscribe_requests(self.symbols):
            await ws.send(request)
        await self._handle(self.books.on_connect(self.symbols), ws)
        keepalive = self.parser.keepalive() if hasattr(self.parser, "keepalive") else None
        tasks = [asyncio.create_task(self._close_on(stop, ws))]
        if keepalive:
            tasks.append(asyncio.create_task(_keepalive(ws, *keepalive)))
        got_data = False
        self._fetches = {}
        try:
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), self.idle_timeout)
                except TimeoutError:
                    log.warning("%s: no message for %.0f s; reconnecting", self.venue, self.idle_timeout)
                    return got_data
                except websockets.ConnectionClosed as e:
                    if not stop.is_set():
                        log.warning("%s: connection closed: %s", self.venue, e)
                    return got_data
                got_data = True
                await self._on_raw(raw, ws)
        finally:
            for t in [*tasks, *self._fetches.values()]:
                t.cancel()  # a snapshot still on its way belongs to this connection's diffs: dropped
        return got_data

    @staticmethod
    async def _close_on(stop: asyncio.Event, ws: websockets.ClientConnection) -> None:
        await stop.wait()
        await ws.close()

    async def _on_raw(self, raw: str | bytes, ws: websockets.ClientConnection) -> None:
        for tick in self.adapter.feed(raw):
            self._publish(to_message(renamed(tick, self.venue_name)))
        ts = self.clock()
        try:
            msg = loads(raw)
            out = self.books.on_message(msg, ts) if isinstance(msg, dict) else BookOutput()
        except (MalformedMessage, KeyError, ValueError, TypeError) as e:
            self.book_malformed += 1
            log.warning("%s: malformed book message (%s)", self.venue, e)
            return
        await self._handle(out, ws)

    async def _handle(self, out: BookOutput, ws: websockets.ClientConnection) -> None:
        before = (self.books.stats.gaps, self.books.stats.checksum_failures)
        self._emit(out)
        if (self.books.stats.gaps, self.books.stats.checksum_failures) != before:
            log.warning("%s: book out of sync; resyncing (%s)", self.venue, self._summary())
        for request in out.requests:
            await ws.send(request)
        for symbol in out.snapshots_needed:
            self._start_fetch(symbol, ws)

    def _start_fetch(self, symbol: str, ws: websockets.ClientConnection) -> None:
        """Fetches ``symbol``'s REST snapshot beside the read loop, which keeps buffering its diffs
        (the venue's procedure); one fetch per symbol at a time, cancelled with the session."""
        if self.snapshot_fetcher is None:
            raise RuntimeError(f"{self.venue} needs a snapshot fetcher")
        running = self._fetches.get(symbol)
        if running is None or running.done():
            self._fetches[symbol] = asyncio.create_task(self._fetch_snapshot(symbol, ws))

    async def _fetch_snapshot(self, symbol: str, ws: websockets.ClientConnection) -> None:
        """Until the book takes a snapshot: a failed fetch, or one older than the buffered diffs, is
        tried again after the backoff; so is one that leaves a gap inside the buffer."""
        assert self.snapshot_fetcher is not None
        attempt = 0
        while True:
            try:
                body = await self.snapshot_fetcher(symbol)
            except Exception as e:  # noqa: BLE001 - any failure of the REST call is retried
                self.snapshot_failures += 1
                wait = max(self.backoff.delay(attempt, self.rng), _retry_after(e))
                log.warning("%s: snapshot of %s failed: %s; again in %.3f s (%s)", self.venue, symbol, e or
                            type(e).__name__, wait, self._summary())
            else:
                stale_before = self.books.stats.stale_snapshots
                try:
                    out = self.books.on_snapshot(symbol, body, self.clock())
                    unusable = self.books.stats.stale_snapshots > stale_before
                except (MalformedMessage, KeyError, ValueError, TypeError) as e:
                    self.snapshot_failures += 1
                    out, unusable = BookOutput(snapshots_needed=[symbol]), True
                    log.warning("%s: snapshot of %s is malformed (%s)", self.venue, symbol, e)
                again = symbol in out.snapshots_needed
                out.snapshots_needed = [s for s in out.snapshots_needed if s != symbol]
                if not again:
                    del self._fetches[symbol]  # done: a gap found from here on starts a new fetch
                    await self._handle(out, ws)
                    return
                await self._handle(out, ws)
                # a gap inside the buffer wants the next snapshot at once; a stale or malformed one waits
                wait = self.backoff.delay(attempt, self.rng) if unusable else 0.0
                if wait:
                    log.info("%s: snapshot of %s unusable; again in %.3f s (%s)", self.venue, symbol, wait,
                             self._summary())
            attempt += 1
            await asyncio.sleep(wait)

    def _emit(self, out: BookOutput) -> None:
        for batch in out.batches:
            self._publish(to_book_message(renamed(batch, self.venue_name)))

    def _publish(self, message: pb.Message) -> None:
        self.publish(message)
        self.published += 1


def _retry_after(error: BaseException) -> float:
    """Seconds a refusing venue asks to wait (HTTP 429 / 418 ``Retry-After``), else 0."""
    if isinstance(error, urllib.error.HTTPError) and error.headers is not None:
        with contextlib.suppress(TypeError, ValueError):
            return max(0.0, float(error.headers.get("Retry-After", 0)))
    return 0.0


async def _keepalive(ws: websockets.ClientConnection, interval: float, text: str) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            await asyncio.sleep(interval)
            await ws.send(text)


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tidegate_adapters.live",
                                 description="Publish a venue's quotes, trades and L2 books, reconnecting forever.")
    ap.add_argument("--venue", required=True, choices=sorted(ENGINES))
    ap.add_argument("--url", required=True, help="venue WebSocket URL")
    ap.add_argument("--symbols", required=True, help="comma-separated venue symbols")
    ap.add_argument("--segment", choices=sorted(BINANCE_REST), default="spot",
                    help="Binance: spot, linear (USD-M futures) or inverse (COIN-M futures); the futures books "
                         "sync by the pu chain (default %(default)s)")
    rest = ap.add_mutually_exclusive_group()
    rest.add_argument("--rest-url", default=None,
                      help="Binance: the REST base URL of the book snapshots, GET <rest-url><depth path> "
                           f"(default by --segment: {', '.join(f'{k} {v[0]}{v[1]}' for k, v in BINANCE_REST.items())})")
    rest.add_argument("--snapshot-url", default=None,
                      help="Binance: the whole REST depth URL, with {symbol} (instead of --rest-url)")
    ap.add_argument("--endpoint", action="append", default=[], help="gateway host:port (default 127.0.0.1:7400)")
    ap.add_argument("--listing", default=None, help="a listing file to publish on data.instruments.<VENUE> first")
    add_venue_name_flag(ap)
    ap.add_argument("--backoff-initial", type=float, default=0.5)
    ap.add_argument("--backoff-max", type=float, default=30.0)
    add_connection_flags(ap)
    args = ap.parse_args(argv)
    check_connection_flags(ap, args)
    if args.segment != "spot" and args.venue != "binance":
        ap.error("--segment is for --venue binance")
    return args


async def amain(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        async with TidegateClient(args.endpoint or ["127.0.0.1:7400"], client_name=f"{args.venue}-live",
                                  **client_options(args)) as client:
            if args.listing:
                from pathlib import Path

                from .listings import parse_listing, publish_listing
                listing = parse_listing(args.venue, Path(args.listing).read_bytes(), venue_name=args.venue_name)
                log.info("published %d definitions", await publish_listing(client, listing))
            binance = args.venue == "binance"
            rest_url, depth_path = BINANCE_REST[args.segment]
            feed = LiveFeed(args.venue, args.url, [s.strip() for s in args.symbols.split(",") if s.strip()],
                            client.publish, snapshot_fetcher=http_snapshot_fetcher(
                                args.snapshot_url or (args.rest_url or rest_url).rstrip("/") + depth_path)
                            if binance else None,
                            books=BinanceBooks(futures=args.segment != "spot") if binance else None,
                            backoff=Backoff(args.backoff_initial, args.backoff_max), venue_name=args.venue_name)
            stop = asyncio.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):  # stop cleanly: the FEED_STOPPED reset goes out
                asyncio.get_running_loop().add_signal_handler(sig, stop.set)
            await feed.run(stop)
    except TidegateError as e:
        print(f"live: {e}", file=sys.stderr)
        return 2
    print(json.dumps(feed.counters()))
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(amain(argv)))


if __name__ == "__main__":
    main()
