"""Replays venue WebSocket messages from a file, or reads them live from a WebSocket URL, and
publishes the normalised QuoteTicks and TradeTicks to a Tidegate gateway.

    python -m tidegate_adapters.replay --venue binance --file samples/binance.jsonl --endpoint 127.0.0.1:7400
    python -m tidegate_adapters.replay --venue okx --url wss://ws.okx.com:8443/ws/v5/public --symbols BTC-USDT
    python -m tidegate_adapters.replay --venue okx --file frames.jsonl --books --listing instruments.json
    python -m tidegate_adapters.replay --venue binance --file samples/binance_depth.jsonl --books \
        --snapshot BTCUSDT=samples/binance_depth_snapshot.json
    python -m tidegate_adapters.replay --venue okx --file frames.jsonl --endpoint gw.example.org:7400 \
        --ca ca.pem --token-file adapter.token

``--ca`` (and ``--cert`` / ``--key`` for mTLS) and ``--token-file`` reach a gateway that requires
TLS and a bearer token (see :mod:`tidegate_adapters.connection`); a refused token ends the run
with exit code 2 and the gateway's ``UNAUTHENTICATED`` reason on stderr.

``--venue-name NAME`` publishes everything under ``NAME`` instead of the venue's own name (topics,
instrument ids, the listing's venue; see :mod:`tidegate_adapters.venue_name`), e.g. Binance USD-M
futures as ``BINANCEUSDM`` beside spot as ``BINANCE``.

``--listing`` publishes the venue's instrument listing (its REST body, see
:mod:`tidegate_adapters.listings`) on ``data.instruments.<VENUE>`` before any market data; ``--books``
also keeps the L2 book of the file's book channel and publishes ``OrderBookDeltas`` on
``data.books.<VENUE>.<SYMBOL>`` (Bybit, OKX, Coinbase: their snapshots travel on the socket). A
Binance book needs a REST snapshot: ``--snapshot SYMBOL=FILE`` gives a recorded ``GET /api/v3/depth``
body (``{"lastUpdateId": .., "bids": [[price, qty]], "asks": [..]}``), handed to the book engine when
the symbol's first diff-depth event asks for it; the engine then applies Binance's documented sync
procedure (drop events with ``u <= lastUpdateId``; the first applied has ``U <= lastUpdateId + 1 <= u``;
each next ``U`` is the previous ``u + 1``) and publishes the snapshot, then one batch per event with
``sequence = u``. On a gap it publishes a reset (a lone CLEAR) and asks for a new snapshot: the
symbol's next ``--snapshot`` (repeat the flag, in recording order), else the book stays reset to the
end of the file (logged). For a reconnecting feed use the live mode, :mod:`tidegate_adapters.live`.

With ``--otlp-endpoint`` (or ``OTEL_EXPORTER_OTLP_ENDPOINT``) every publish is traced and the spans
are exported over OTLP/gRPC under ``--service-name``; the trace context travels in the message
headers to the gateway and the subscribers.

Malformed venue messages are counted and logged, never fatal. A summary line (parsed / ignored /
malformed / published) is printed at the end. Exit code: 0, or 1 when a publish failed, 2 on bad
usage or no gateway.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import websockets
from google.protobuf import text_format

from tidegate import TidegateClient, TidegateError
from tidegate.market.v1 import data_pb2
from tidegate.tracing import configure_otlp, otlp_requested
from . import PARSERS, parser_for
from ._common import Adapter, AdapterStats, MalformedMessage, VenueParser, loads, to_message
from .books import ENGINES, BookEngine, to_book_message
from .connection import add_connection_flags, check_connection_flags, client_options
from .listings import parse_listing, to_messages as definition_messages
from .venue_name import add_venue_name_flag, renamed

log = logging.getLogger("tidegate_adapters.replay")


async def file_messages(path: Path, rate: float = 0.0) -> AsyncIterator[str]:
    """One message per non-empty line; ``rate`` > 0 paces them (messages per second)."""
    interval = 1.0 / rate if rate > 0 else 0.0
    start = time.monotonic()
    with path.open(encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if interval:
                delay = start + n * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif n % 256 == 0:
                await asyncio.sleep(0)  # let acks in
            yield line


async def websocket_messages(url: str, parser: VenueParser, symbols: Sequence[str] = (),
                             max_messages: int = 0, duration: float = 0.0) -> AsyncIterator[str | bytes]:
    """Messages from a venue WebSocket until it closes (or ``max_messages`` / ``duration``).
    With ``symbols`` the venue's subscribe request is sent first; the venue's app-level
    keepalive (Bybit, OKX) is sent while connected."""
    deadline = time.monotonic() + duration if duration > 0 else None
    async with websockets.connect(url, open_timeout=15, max_size=16 << 20, ping_interval=20) as ws:
        log.info("connected to %s", url)
        if symbols:
            for request in parser.subscribe_requests(list(symbols)):
                await ws.send(request)
        keepalive = parser.keepalive() if hasattr(parser, "keepalive") else None
        pinger = asyncio.create_task(_keepalive(ws, *keepalive)) if keepalive else None
        count = 0
        try:
            while True:
                timeout = None if deadline is None else deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    return
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout)
                except TimeoutError:
                    return
                except websockets.ConnectionClosedOK:
                    return
                except websockets.ConnectionClosedError as e:
                    log.warning("websocket %s closed: %s", url, e)
                    return
                yield raw
                count += 1
                if max_messages and count >= max_messages:
                    return
        finally:
            if pinger is not None:
                pinger.cancel()


async def _keepalive(ws: websockets.ClientConnection, interval: float, text: str) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            await asyncio.sleep(interval)
            await ws.send(text)


class RecordedSnapshots:
    """REST book snapshots recorded beside a file of diff events (Binance ``GET /api/v3/depth``
    bodies), per symbol in recording order: each time the book engine asks for a symbol's snapshot
    it gets the next one. One replay owns it; not thread-safe."""

    def __init__(self, bodies: dict[str, list[dict[str, Any]]]) -> None:
        self.queues = {symbol.upper(): deque(list_) for symbol, list_ in bodies.items()}
        self.missing = 0  # snapshots asked for when the recording had no more

    @classmethod
    def from_specs(cls, specs: Sequence[str]) -> RecordedSnapshots:
        """From ``SYMBOL=FILE`` specs; raises ValueError saying what is wrong with one."""
        bodies: dict[str, list[dict[str, Any]]] = {}
        for spec in specs:
            symbol, sep, file = spec.partition("=")
            if not sep or not symbol.strip() or not file:
                raise ValueError(f"--snapshot {spec!r}: expected SYMBOL=FILE")
            path = Path(file)
            if not path.is_file():
                raise ValueError(f"--snapshot {spec!r}: no such file: {path}")
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise ValueError(f"--snapshot {spec!r}: not JSON: {e}") from e
            if not isinstance(body, dict) or not isinstance(body.get("lastUpdateId"), int) \
                    or not isinstance(body.get("bids"), list) or not isinstance(body.get("asks"), list):
                raise ValueError(f"--snapshot {spec!r}: expected a GET /api/v3/depth body "
                                 '{"lastUpdateId": <int>, "bids": [[price, qty], ...], "asks": [...]}')
            bodies.setdefault(symbol.strip().upper(), []).append(body)
        return cls(bodies)

    def answer(self, books: BookEngine, symbols: Sequence[str], ts_init: int) -> list[data_pb2.OrderBookDeltas]:
        """Hands the engine the next recorded snapshot of each symbol it asked for (again while it
        asks, e.g. for one older than the stream); returns the batches that made."""
        batches: list[data_pb2.OrderBookDeltas] = []
        wanted = deque(symbols)
        while wanted:
            symbol = wanted.popleft()
            queue = self.queues.get(symbol.upper())
            if not queue:
                self.missing += 1
                log.warning("%s: the book of %s needs a REST snapshot and the recording has no more: it stays "
                            "reset to the end of the file", books.venue, symbol)
                continue
            try:
                out = books.on_snapshot(symbol, queue.popleft(), ts_init)
            except MalformedMessage as e:
                log.warning("%s: recorded snapshot of %s is malformed (%s): skipped", books.venue, symbol, e)
                wanted.append(symbol)
                continue
            batches += out.batches
            wanted.extend(out.snapshots_needed)
        return batches


async def replay(source: AsyncIterator[str | bytes], adapter: Adapter, client: TidegateClient | None,
                 *, print_ticks: bool = False, flush_timeout: float = 30.0, books: BookEngine | None = None,
                 listing: bytes | None = None, snapshots: RecordedSnapshots | None = None,
                 venue_name: str | None = None) -> AdapterStats:
    """Publishes the listing's definitions (if any), then feeds every message to the adapter (and
    the book engine, answering its snapshot requests from ``snapshots``) and publishes its ticks
    (and book batches); returns the counts once every publish is acknowledged (or failed). With
    ``venue_name`` all of it is published under that venue name instead of the venue's own."""
    stats = adapter.stats

    def settled(fut: asyncio.Future) -> None:  # type: ignore[type-arg]
        if fut.cancelled() or fut.exception() is not None:
            stats.publish_failed += 1
            if not fut.cancelled():
                log.error("publish failed: %s", fut.exception())
        else:
            stats.published += 1

    if listing is not None:
        parsed = parse_listing(adapter.parser.venue, listing, venue_name=venue_name)
        for native, reason in parsed.skipped:
            log.info("listing: skipped %s: %s", native, reason)
        stats.definitions = len(parsed.definitions)
        if client is not None:
            for message in definition_messages(parsed):
                client.publish(message).add_done_callback(settled)
    async for raw in source:
        out = list(adapter.feed(raw))
        if books is not None:
            try:
                msg = loads(raw)
                batches = []
                if isinstance(msg, dict):
                    now = adapter.clock()
                    book_out = books.on_message(msg, now)
                    batches = book_out.batches
                    if snapshots is not None and book_out.snapshots_needed:
                        batches += snapshots.answer(books, book_out.snapshots_needed, now)
            except (MalformedMessage, KeyError, ValueError, TypeError):
                batches = []  # the tick parser counted and logged it already
            stats.books += len(batches)
            out += batches
        for tick in out:
            renamed(tick, venue_name)
            if print_ticks:
                print(type(tick).__name__, text_format.MessageToString(tick, as_one_line=True), flush=True)
            if client is not None:
                message = to_book_message(tick) if isinstance(tick, data_pb2.OrderBookDeltas) else to_message(tick)
                client.publish(message).add_done_callback(settled)
                if client.pending_publishes > 10_000:
                    await client.flush(flush_timeout)
    if client is not None:
        await client.flush(flush_timeout)
        await asyncio.sleep(0)  # run the done callbacks
    return stats


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tidegate_adapters.replay",
                                 description="Publish venue market data to a Tidegate gateway.")
    ap.add_argument("--venue", required=True, choices=sorted(PARSERS))
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--file", type=Path, help="JSON lines in the venue's WebSocket format")
    src.add_argument("--url", help="venue (or test) WebSocket URL, ws:// or wss://")
    ap.add_argument("--endpoint", action="append", default=[],
                    help="gateway host:port; repeat for failover (default 127.0.0.1:7400)")
    ap.add_argument("--symbols", default="", help="with --url: comma-separated venue symbols to subscribe to")
    ap.add_argument("--rate", type=float, default=0.0, help="with --file: messages per second (0: as fast as possible)")
    ap.add_argument("--max-messages", type=int, default=0, help="with --url: stop after this many messages")
    ap.add_argument("--duration", type=float, default=0.0, help="with --url: stop after this many seconds")
    ap.add_argument("--books", action="store_true",
                    help="also publish L2 books (bybit, okx, coinbase; binance from a file with --snapshot)")
    ap.add_argument("--snapshot", action="append", default=[], metavar="SYMBOL=FILE",
                    help="binance --books --file: a recorded GET /api/v3/depth body for SYMBOL; repeat for "
                         "further snapshots (used in order, one per resync) and further symbols")
    ap.add_argument("--listing", type=Path, default=None,
                    help="the venue's instrument listing (REST body) to publish on data.instruments.<VENUE> first")
    add_venue_name_flag(ap)
    ap.add_argument("--client-name", default="python-market-adapter")
    ap.add_argument("--connect-timeout", type=float, default=15.0, help="seconds to wait for the gateway")
    ap.add_argument("--dry-run", action="store_true", help="parse only; do not connect to a gateway")
    ap.add_argument("--print", dest="print_ticks", action="store_true", help="print every tick")
    ap.add_argument("--otlp-endpoint", default=None,
                    help="export traces over OTLP/gRPC to this endpoint, e.g. http://127.0.0.1:4317 "
                         "(default: OTEL_EXPORTER_OTLP_ENDPOINT; no export when neither is set)")
    ap.add_argument("--service-name", default=os.environ.get("OTEL_SERVICE_NAME", "tidegate-python-adapter"),
                    help="service.name of the exported spans (default: OTEL_SERVICE_NAME or %(default)s)")
    ap.add_argument("-v", "--verbose", action="store_true")
    add_connection_flags(ap)
    args = ap.parse_args(argv)
    check_connection_flags(ap, args)
    return args


async def amain(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    parser = parser_for(args.venue)
    adapter = Adapter(parser)
    snapshots = None
    if args.snapshot and not (args.books and args.venue == "binance" and args.file is not None):
        print("replay: --snapshot is for a Binance book replayed from a file (--venue binance --file .. --books)",
              file=sys.stderr)
        return 2
    if args.books and args.venue == "binance" and args.file is not None:
        if not args.snapshot:
            print("replay: a Binance book needs a REST snapshot: give the recorded GET /api/v3/depth body with "
                  "--snapshot SYMBOL=FILE (or use python -m tidegate_adapters.live)", file=sys.stderr)
            return 2
        try:
            snapshots = RecordedSnapshots.from_specs(args.snapshot)
        except ValueError as e:
            print(f"replay: {e}", file=sys.stderr)
            return 2
    if args.listing is not None and not args.listing.is_file():
        print(f"replay: no such file: {args.listing}", file=sys.stderr)
        return 2
    if args.file is not None:
        if not args.file.is_file():
            print(f"replay: no such file: {args.file}", file=sys.stderr)
            return 2
        source = file_messages(args.file, args.rate)
    else:
        symbols = [s.strip() for s in args.symbols.split(",") if s.strip()]
        source = websocket_messages(args.url, parser, symbols, args.max_messages, args.duration)
    shutdown_tracing = None
    if otlp_requested(args.otlp_endpoint):
        try:
            shutdown_tracing = configure_otlp(args.service_name, args.otlp_endpoint)
        except RuntimeError as e:
            print(f"replay: {e}", file=sys.stderr)
            return 2
        log.info("exporting traces over OTLP to %s as service %s",
                 args.otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"), args.service_name)
    client = None
    try:
        if not args.dry_run:
            client = TidegateClient(args.endpoint or ["127.0.0.1:7400"], client_name=args.client_name,
                                    **client_options(args))
            try:
                await client.connect(timeout=args.connect_timeout)
            except TidegateError as e:
                print(f"replay: {e}", file=sys.stderr)
                return 2
        try:
            stats = await replay(source, adapter, client, print_ticks=args.print_ticks,
                                 books=ENGINES[args.venue]() if args.books else None,
                                 listing=args.listing.read_bytes() if args.listing else None,
                                 snapshots=snapshots, venue_name=args.venue_name)
        except (OSError, websockets.InvalidURI, websockets.InvalidHandshake) as e:
            print(f"replay: cannot read {args.url or args.file}: {e}", file=sys.stderr)
            return 2
    finally:
        if client is not None:
            await client.close()
        if shutdown_tracing is not None:
            shutdown_tracing()  # exports the spans still batched
    print(f"replay summary: {stats.summary(args.venue_name or parser.venue)}", flush=True)
    return 1 if stats.publish_failed else 0


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(asyncio.run(amain(argv)))


if __name__ == "__main__":
    main()
