"""L2 order books: a local book per symbol kept from each venue's book channel, validated by the
venue's own rules, and published as ``OrderBookDeltas`` on ``data.books.<VENUE>.<SYMBOL>``.

Every engine here is sans-IO (no sockets): it takes parsed venue messages and returns what to
publish and what to ask the venue for; :mod:`tidegate_adapters.live` does the I/O. One engine
belongs to one connection task; not thread-safe.

- Binance: ``<symbol>@depth@100ms`` diffs plus a REST snapshot (``/api/v3/depth``), with the
  documented rules: buffer diffs, drop those with ``u <= lastUpdateId``, the first applied has
  ``U <= lastUpdateId + 1 <= u``, each next one ``U == previous u + 1``. USD-M and COIN-M futures
  (``/fapi/v1/depth``, ``/dapi/v1/depth``) by their own rules: drop ``u < lastUpdateId``, the first
  applied has ``U <= lastUpdateId <= u``, each next one's ``pu`` (the previous event's final update
  id) equals the previous ``u``, since their update ids are not contiguous.
- Bybit: ``orderbook.50.<SYMBOL>`` snapshot / delta; each delta's ``u`` follows the last by one;
  ``u == 1`` is a snapshot after a venue restart.
- OKX: ``books`` snapshot / update with ``prevSeqId == last seqId`` and a CRC32 checksum over the
  top 25 levels (``bid:size:ask:size:...`` interleaved, the venue's own strings, signed 32-bit).
- Coinbase: ``level2`` ``snapshot`` then ``l2update`` (no sequence: a reconnect resyncs).

Exact decimals throughout: levels are keyed by ``decimal.Decimal`` and keep the venue's text.
On a gap or checksum failure the engine publishes a reset (a lone ``BOOK_ACTION_CLEAR``), asks
for a new snapshot, drops updates until it arrives and then publishes the snapshot (a CLEAR, then
one ADD per level, ``is_snapshot``) with the reason; so a consumer never holds a silently wrong book.
"""
from __future__ import annotations

import decimal
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tidegate import pb
from tidegate.market.v1 import common_pb2, data_pb2
from ._common import MalformedMessage, instrument_id, iso_to_ns, millis_to_ns, require, to_decimal

BOOK_CONTENT_TYPE = "application/x-protobuf; type=tidegate.market.v1.OrderBookDeltas"
BID, ASK = common_pb2.ORDER_SIDE_BUY, common_pb2.ORDER_SIDE_SELL


class LocalBook:
    """One instrument's price levels, exactly: price -> (size, the venue's price text, size text)."""

    def __init__(self) -> None:
        self.sides: dict[int, dict[decimal.Decimal, tuple[decimal.Decimal, str, str]]] = {BID: {}, ASK: {}}

    def apply(self, side: int, price: str, size: str) -> int | None:
        """Sets one level (size 0 deletes); returns the book action, None for a delete of nothing."""
        levels = self.sides[side]
        px, sz = decimal.Decimal(price), decimal.Decimal(size)
        if sz == 0:
            return data_pb2.BOOK_ACTION_DELETE if levels.pop(px, None) is not None else None
        action = data_pb2.BOOK_ACTION_UPDATE if px in levels else data_pb2.BOOK_ACTION_ADD
        levels[px] = (sz, price, size)
        return action

    def top(self, side: int, n: int | None = None) -> list[tuple[decimal.Decimal, tuple[decimal.Decimal, str, str]]]:
        """The best ``n`` levels of a side, best first."""
        items = sorted(self.sides[side].items(), reverse=side == BID)
        return items if n is None else items[:n]

    def levels(self) -> dict[str, list[tuple[decimal.Decimal, decimal.Decimal]]]:
        """``{"bids": [(price, size), ...], "asks": [...]}`` best first: what tests compare."""
        return {name: [(p, v[0]) for p, v in self.top(side)] for name, side in (("bids", BID), ("asks", ASK))}


class BookReplica:
    """A subscriber's book rebuilt from published ``OrderBookDeltas``: what a consumer holds."""

    def __init__(self) -> None:
        self.books: dict[str, dict[int, dict[decimal.Decimal, decimal.Decimal]]] = {}
        self.resets = 0

    def apply(self, batch: data_pb2.OrderBookDeltas) -> None:
        book = self.books.setdefault(batch.instrument_id, {BID: {}, ASK: {}})
        for d in batch.deltas:
            if d.action == data_pb2.BOOK_ACTION_CLEAR:
                book[BID].clear()
                book[ASK].clear()
                self.resets += 1
            elif d.action == data_pb2.BOOK_ACTION_DELETE:
                book[d.side].pop(_dec(d.price), None)
            else:
                book[d.side][_dec(d.price)] = _dec(d.size)

    def levels(self, iid: str) -> dict[str, list[tuple[decimal.Decimal, decimal.Decimal]]]:
        book = self.books.get(iid, {BID: {}, ASK: {}})
        return {"bids": sorted(book[BID].items(), reverse=True), "asks": sorted(book[ASK].items())}


def _dec(d: common_pb2.Decimal) -> decimal.Decimal:
    return decimal.Decimal(d.units).scaleb(-d.scale)


@dataclass
class BookStats:
    """What the book engines counted; the live runner adds reconnects."""

    snapshots: int = 0
    updates: int = 0
    gaps: int = 0
    checksum_failures: int = 0
    resyncs: int = 0
    stale_dropped: int = 0  # updates older than the book, or while waiting for a snapshot
    stale_snapshots: int = 0  # REST snapshots older than the buffered stream, fetched again (Binance)


@dataclass
class BookOutput:
    """What one input produced: batches to publish, requests to send on the socket, symbols whose
    REST snapshot to fetch (Binance)."""

    batches: list[data_pb2.OrderBookDeltas] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    snapshots_needed: list[str] = field(default_factory=list)

    def extend(self, other: BookOutput) -> BookOutput:
        self.batches += other.batches
        self.requests += other.requests
        self.snapshots_needed += other.snapshots_needed
        return self


@dataclass
class _State:
    book: LocalBook = field(default_factory=LocalBook)
    synced: bool = False
    last_seq: int = 0
    pending_reason: int = data_pb2.BOOK_RESET_REASON_INITIAL
    buffer: list[dict[str, Any]] = field(default_factory=list)  # Binance diffs awaiting the snapshot
    fetching: bool = False  # a REST snapshot was asked for (Binance)
    fresh: bool = False  # nothing applied since the snapshot (Binance: the first diff straddles it)


class BookEngine:
    """What every venue engine shares: local books, snapshots, deltas, resets."""

    venue = ""
    depth = 0

    def __init__(self, max_levels: int = 5000) -> None:
        self.max_levels = max_levels  # per side; beyond it the worst levels are deleted (memory bound)
        self.states: dict[str, _State] = {}
        self.stats = BookStats()

    # -- the I/O side calls these ----------------------------------------------------------
    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        raise NotImplementedError

    def resync_requests(self, symbol: str) -> list[str]:
        """Requests that make the venue send a new snapshot of ``symbol`` (unsubscribe + subscribe)."""
        return []

    def on_connect(self, symbols: list[str]) -> BookOutput:
        for s in symbols:
            self.states.setdefault(s, _State())
        return BookOutput()

    def on_message(self, msg: dict[str, Any], ts_init: int) -> BookOutput:
        raise NotImplementedError

    def on_snapshot(self, symbol: str, body: Any, ts_init: int) -> BookOutput:
        raise NotImplementedError(f"{self.venue} sends its snapshots on the socket")

    def on_disconnect(self, ts_init: int, reason: int = data_pb2.BOOK_RESET_REASON_RECONNECT) -> BookOutput:
        """The connection is gone (or the feed stops): every book is unknown until its next snapshot."""
        out = BookOutput()
        for symbol, st in self.states.items():
            if st.synced or st.book.sides[BID] or st.book.sides[ASK]:
                out.batches.append(self._clear(symbol, reason, ts_init))
            self.states[symbol] = _State(pending_reason=data_pb2.BOOK_RESET_REASON_RECONNECT)
        return out

    def book(self, symbol: str) -> LocalBook:
        return self.states[symbol].book

    # -- shared steps --------------------------------------------------------------------------
    def _iid(self, symbol: str) -> str:
        return instrument_id(symbol, self.venue)

    def _clear(self, symbol: str, reason: int, ts_init: int) -> data_pb2.OrderBookDeltas:
        iid = self._iid(symbol)
        return data_pb2.OrderBookDeltas(
            instrument_id=iid, reset_reason=reason, depth=self.depth, ts_event=ts_init, ts_init=ts_init,
            deltas=[data_pb2.OrderBookDelta(instrument_id=iid, action=data_pb2.BOOK_ACTION_CLEAR, ts_event=ts_init,
                                            ts_init=ts_init)])

    def _lost(self, symbol: str, reason: int, ts_init: int) -> BookOutput:
        """A gap or checksum failure: publish the reset, ask for a snapshot, drop updates till then."""
        if reason == data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP:
            self.stats.gaps += 1
        elif reason == data_pb2.BOOK_RESET_REASON_CHECKSUM_MISMATCH:
            self.stats.checksum_failures += 1
        self.stats.resyncs += 1
        self.states[symbol] = _State(pending_reason=reason)
        return BookOutput(batches=[self._clear(symbol, reason, ts_init)], requests=self.resync_requests(symbol))

    def _snapshot(self, symbol: str, bids: Iterable[tuple[str, str]], asks: Iterable[tuple[str, str]], seq: int,
                  ts_event: int, ts_init: int) -> data_pb2.OrderBookDeltas:
        prior = self.states.get(symbol)
        if prior is None:
            reason = data_pb2.BOOK_RESET_REASON_INITIAL
        elif not prior.synced:
            reason = prior.pending_reason
        else:
            reason = data_pb2.BOOK_RESET_REASON_VENUE_SNAPSHOT
        st = _State(synced=True, last_seq=seq, pending_reason=data_pb2.BOOK_RESET_REASON_UNSPECIFIED)
        self.states[symbol] = st
        self.stats.snapshots += 1
        batch = self._clear(symbol, reason, ts_init)
        batch.is_snapshot, batch.sequence, batch.ts_event = True, seq, ts_event
        batch.deltas[0].sequence = seq
        batch.deltas[0].ts_event = ts_event
        for side, levels in ((BID, bids), (ASK, asks)):
            for price, size in levels:
                if st.book.apply(side, price, size) is not None:
                    batch.deltas.append(self._delta(symbol, data_pb2.BOOK_ACTION_ADD, side, price, size, seq,
                                                    ts_event, ts_init))
        self._trim(symbol, batch, seq, ts_event, ts_init)
        return batch

    def _update(self, symbol: str, changes: Iterable[tuple[int, str, str]], seq: int, ts_event: int,
                ts_init: int) -> data_pb2.OrderBookDeltas | None:
        st = self.states[symbol]
        st.last_seq = seq
        self.stats.updates += 1
        batch = data_pb2.OrderBookDeltas(instrument_id=self._iid(symbol), sequence=seq, depth=self.depth,
                                         ts_event=ts_event, ts_init=ts_init)
        for side, price, size in changes:
            action = st.book.apply(side, price, size)
            if action is not None:
                batch.deltas.append(self._delta(symbol, action, side, price, size, seq, ts_event, ts_init))
        self._trim(symbol, batch, seq, ts_event, ts_init)
        return batch if batch.deltas else None

    def _trim(self, symbol: str, batch: data_pb2.OrderBookDeltas, seq: int, ts_event: int, ts_init: int) -> None:
        book = self.states[symbol].book
        for side in (BID, ASK):
            extra = len(book.sides[side]) - self.max_levels
            if extra > 0:
                for price, (_, px_text, _) in book.top(side)[-extra:]:
                    del book.sides[side][price]
                    batch.deltas.append(self._delta(symbol, data_pb2.BOOK_ACTION_DELETE, side, px_text, "0", seq,
                                                    ts_event, ts_init))

    def _delta(self, symbol: str, action: int, side: int, price: str, size: str, seq: int, ts_event: int,
               ts_init: int) -> data_pb2.OrderBookDelta:
        return data_pb2.OrderBookDelta(instrument_id=self._iid(symbol), action=action, side=side,
                                       price=to_decimal(price, "price"), size=to_decimal(size, "size"),
                                       sequence=seq, ts_event=ts_event, ts_init=ts_init)


def _levels(raw: Any, name: str) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        raise MalformedMessage(f"{name}: expected a list of levels")
    out = []
    for level in raw:
        if not isinstance(level, list) or len(level) < 2:
            raise MalformedMessage(f"{name}: expected [price, size, ...], got {level!r}")
        price, size = str(level[0]), str(level[1])
        to_decimal(price, f"{name}.price"), to_decimal(size, f"{name}.size")  # validates before the book changes
        out.append((price, size))
    return out


# --- Binance ---------------------------------------------------------------------------------

class BinanceBooks(BookEngine):
    """``<symbol>@depth@100ms`` diffs + REST snapshots. ``futures`` (USD-M, COIN-M) uses their first-event
    rule (``U <= lastUpdateId <= u``) and the ``pu`` chain rule."""

    venue = "BINANCE"

    def __init__(self, futures: bool = False, max_levels: int = 5000) -> None:
        super().__init__(max_levels)
        self.futures = futures

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        return [json.dumps({"method": "SUBSCRIBE", "params": [f"{s.lower()}@depth@100ms" for s in symbols], "id": 2})]

    def on_message(self, msg: dict[str, Any], ts_init: int) -> BookOutput:
        if "stream" in msg and "data" in msg:
            msg = msg["data"]
        if not isinstance(msg, dict) or msg.get("e") != "depthUpdate":
            return BookOutput()
        symbol = require(msg, "s")
        st = self.states.setdefault(symbol, _State())
        for key in ("U", "u", "pu") if self.futures else ("U", "u"):
            if not isinstance(msg.get(key), int) or isinstance(msg.get(key), bool):
                raise MalformedMessage(f"depthUpdate {key}: expected an integer, got {msg.get(key)!r}")
        if not st.synced:
            st.buffer.append(msg)  # until the REST snapshot arrives; fetched after the first diff
            if len(st.buffer) > 10_000:
                del st.buffer[0]
            if st.fetching:
                return BookOutput()
            st.fetching = True
            return BookOutput(snapshots_needed=[symbol])
        return self._apply(symbol, msg, ts_init)

    def _apply(self, symbol: str, msg: dict[str, Any], ts_init: int) -> BookOutput:
        st = self.states[symbol]
        first, last = msg["U"], msg["u"]
        # futures: the event ending at lastUpdateId is the first one applied (it straddles the snapshot)
        if last < st.last_seq or (last == st.last_seq and not (self.futures and st.fresh)):
            self.stats.stale_dropped += 1
            return BookOutput()
        if self.futures:
            # update ids skip between events: each names its predecessor's last id instead
            chained = first <= st.last_seq if st.fresh else msg["pu"] == st.last_seq
        elif st.fresh:
            chained = first <= st.last_seq + 1  # the first after the snapshot straddles lastUpdateId + 1
        else:
            chained = first == st.last_seq + 1
        st.fresh = False
        if not chained:
            out = self._lost(symbol, data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP, ts_init)
            self.states[symbol].fetching = True
            self.states[symbol].buffer.append(msg)  # the stream goes on from here: the new snapshot may predate it
            out.snapshots_needed.append(symbol)
            return out
        if last == st.last_seq:
            # futures: the event ending at lastUpdateId starts the chain, but the snapshot holds it already
            # (and a batch must follow the snapshot's sequence)
            return BookOutput()
        changes = [(BID, p, s) for p, s in _levels(msg.get("b", []), "b")] + \
                  [(ASK, p, s) for p, s in _levels(msg.get("a", []), "a")]
        ts = msg.get("T") or msg.get("E")
        batch = self._update(symbol, changes, last, millis_to_ns(ts, "E") if ts else ts_init, ts_init)
        return BookOutput(batches=[batch] if batch else [])

    def on_snapshot(self, symbol: str, body: Any, ts_init: int) -> BookOutput:
        """The REST ``/api/v3/depth`` body ``{"lastUpdateId":..,"bids":[[p,q]],"asks":[[p,q]]}``."""
        last_id = require(body, "lastUpdateId")
        if not isinstance(last_id, int) or isinstance(last_id, bool):
            raise MalformedMessage(f"lastUpdateId: expected an integer, got {last_id!r}")
        bids, asks = _levels(require(body, "bids"), "bids"), _levels(require(body, "asks"), "asks")
        st = self.states.setdefault(symbol, _State())
        buffered = st.buffer
        if buffered and last_id < buffered[0]["U"] - (0 if self.futures else 1):
            self.stats.stale_snapshots += 1
            return BookOutput(snapshots_needed=[symbol])  # the snapshot is older than the stream: fetch again
        if not buffered and not st.fetching:
            self.stats.stale_dropped += 1
            return BookOutput()  # a snapshot nobody waits for (a reconnect came between)
        st.buffer = []
        out = BookOutput(batches=[self._snapshot(symbol, bids, asks, last_id, ts_init, ts_init)])
        self.states[symbol].fresh = True
        for i, msg in enumerate(buffered):
            if msg["u"] < last_id or (msg["u"] == last_id and not self.futures):
                self.stats.stale_dropped += 1  # already in the snapshot
                continue
            out.extend(self._apply(symbol, msg, ts_init))
            if not self.states[symbol].synced:
                # a gap inside the buffer: the next snapshot is checked against the gapped event and what
                # followed it (a live feed keeps reading while the snapshot is fetched)
                self.states[symbol].buffer.extend(buffered[i + 1:])
                break
        return out


# --- Bybit -----------------------------------------------------------------------------------

class BybitBooks(BookEngine):
    """``orderbook.50.<SYMBOL>``: snapshot, then deltas whose ``u`` follows by one."""

    venue = "BYBIT"
    depth = 50

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        return [json.dumps({"op": "subscribe", "args": [f"orderbook.50.{s}" for s in symbols]})]

    def resync_requests(self, symbol: str) -> list[str]:
        return [json.dumps({"op": "unsubscribe", "args": [f"orderbook.50.{symbol}"]}),
                json.dumps({"op": "subscribe", "args": [f"orderbook.50.{symbol}"]})]

    def on_message(self, msg: dict[str, Any], ts_init: int) -> BookOutput:
        topic = msg.get("topic")
        if not isinstance(topic, str) or not topic.startswith("orderbook.50."):
            return BookOutput()
        data = require(msg, "data")
        symbol, kind, u = require(data, "s"), require(msg, "type"), require(data, "u")
        ts_event = millis_to_ns(msg.get("cts") or require(msg, "ts"), "ts")
        bids, asks = _levels(data.get("b", []), "b"), _levels(data.get("a", []), "a")
        if kind == "snapshot" or u == 1:
            return BookOutput(batches=[self._snapshot(symbol, bids, asks, u, ts_event, ts_init)])
        if kind != "delta":
            raise MalformedMessage(f"type: expected snapshot or delta, got {kind!r}")
        st = self.states.setdefault(symbol, _State())
        if not st.synced:
            self.stats.stale_dropped += 1
            return BookOutput()
        if u <= st.last_seq:
            self.stats.stale_dropped += 1
            return BookOutput()
        if u != st.last_seq + 1:
            return self._lost(symbol, data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP, ts_init)
        batch = self._update(symbol, [(BID, p, s) for p, s in bids] + [(ASK, p, s) for p, s in asks], u,
                             ts_event, ts_init)
        return BookOutput(batches=[batch] if batch else [])


# --- OKX -------------------------------------------------------------------------------------

def okx_checksum(book: LocalBook) -> int:
    """OKX's book checksum: top 25 bids and asks interleaved as ``bidPx:bidSz:askPx:askSz:...``
    (a shorter side just ends), the venue's own strings, CRC32 as a signed 32-bit integer."""
    bids, asks = book.top(BID, 25), book.top(ASK, 25)
    parts: list[str] = []
    for i in range(max(len(bids), len(asks))):
        if i < len(bids):
            parts += [bids[i][1][1], bids[i][1][2]]
        if i < len(asks):
            parts += [asks[i][1][1], asks[i][1][2]]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


class OkxBooks(BookEngine):
    """``books`` (400 levels): snapshot, then updates with ``prevSeqId`` == the last ``seqId`` and a
    checksum to verify after each."""

    venue = "OKX"
    depth = 400

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        return [json.dumps({"op": "subscribe", "args": [{"channel": "books", "instId": s} for s in symbols]})]

    def resync_requests(self, symbol: str) -> list[str]:
        arg = [{"channel": "books", "instId": symbol}]
        return [json.dumps({"op": "unsubscribe", "args": arg}), json.dumps({"op": "subscribe", "args": arg})]

    def on_message(self, msg: dict[str, Any], ts_init: int) -> BookOutput:
        arg = msg.get("arg")
        if not isinstance(arg, dict) or arg.get("channel") != "books" or "data" not in msg:
            return BookOutput()
        symbol, action = require(arg, "instId"), msg.get("action", "snapshot")
        out = BookOutput()
        for item in require(msg, "data"):
            bids, asks = _levels(item.get("bids", []), "bids"), _levels(item.get("asks", []), "asks")
            seq, prev = int(item.get("seqId", 0)), int(item.get("prevSeqId", -1))
            ts_event = millis_to_ns(require(item, "ts"), "ts")
            if action == "snapshot":
                out.batches.append(self._snapshot(symbol, bids, asks, seq, ts_event, ts_init))
            else:
                st = self.states.setdefault(symbol, _State())
                if not st.synced:
                    self.stats.stale_dropped += 1
                    continue
                if prev != st.last_seq:
                    out.extend(self._lost(symbol, data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP, ts_init))
                    break
                batch = self._update(symbol, [(BID, p, s) for p, s in bids] + [(ASK, p, s) for p, s in asks],
                                     seq, ts_event, ts_init)
                if batch is not None:
                    out.batches.append(batch)
            if "checksum" in item and okx_checksum(self.states[symbol].book) != int(item["checksum"]):
                out.extend(self._lost(symbol, data_pb2.BOOK_RESET_REASON_CHECKSUM_MISMATCH, ts_init))
                break
        return out


# --- Coinbase --------------------------------------------------------------------------------

class CoinbaseBooks(BookEngine):
    """``level2``: ``snapshot`` then ``l2update`` changes ``[side, price, size]``. The channel has no
    sequence, so only a reconnect (or a new snapshot) resyncs."""

    venue = "COINBASE"

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        return [json.dumps({"type": "subscribe", "product_ids": symbols, "channels": ["level2"]})]

    def resync_requests(self, symbol: str) -> list[str]:
        return [json.dumps({"type": "unsubscribe", "product_ids": [symbol], "channels": ["level2"]}),
                json.dumps({"type": "subscribe", "product_ids": [symbol], "channels": ["level2"]})]

    def on_message(self, msg: dict[str, Any], ts_init: int) -> BookOutput:
        kind = msg.get("type")
        if kind == "snapshot":
            symbol = require(msg, "product_id")
            seq = self.states[symbol].last_seq + 1 if symbol in self.states else 1
            ts = iso_to_ns(msg["time"]) if msg.get("time") else ts_init
            return BookOutput(batches=[self._snapshot(symbol, _levels(require(msg, "bids"), "bids"),
                                                      _levels(require(msg, "asks"), "asks"), seq, ts, ts_init)])
        if kind != "l2update":
            return BookOutput()
        symbol = require(msg, "product_id")
        st = self.states.setdefault(symbol, _State())
        if not st.synced:
            self.stats.stale_dropped += 1
            return BookOutput()
        changes = []
        for change in require(msg, "changes"):
            if not isinstance(change, list) or len(change) != 3 or change[0] not in ("buy", "sell"):
                raise MalformedMessage(f"changes: expected [buy|sell, price, size], got {change!r}")
            to_decimal(change[1], "price"), to_decimal(change[2], "size")
            changes.append((BID if change[0] == "buy" else ASK, str(change[1]), str(change[2])))
        batch = self._update(symbol, changes, st.last_seq + 1, iso_to_ns(require(msg, "time")), ts_init)
        return BookOutput(batches=[batch] if batch else [])


ENGINES: dict[str, type[BookEngine]] = {"binance": BinanceBooks, "bybit": BybitBooks, "okx": OkxBooks,
                                        "coinbase": CoinbaseBooks}


def book_topic(batch: data_pb2.OrderBookDeltas) -> str:
    symbol, _, venue = batch.instrument_id.rpartition(".")
    return f"data.books.{venue}.{symbol}"


def to_book_message(batch: data_pb2.OrderBookDeltas) -> pb.Message:
    """``data.books.<VENUE>.<SYMBOL>``, ordering key = instrument id (a book's batches stay in order)."""
    return pb.Message(topic=book_topic(batch), priority=pb.PRIORITY_NORMAL, ordering_key=batch.instrument_id,
                      payload=batch.SerializeToString(), content_type=BOOK_CONTENT_TYPE, ts_event=batch.ts_event,
                      ts_init=batch.ts_init)
