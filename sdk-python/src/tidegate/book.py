"""An order book kept on the subscriber's side from the ``OrderBookDeltas`` adapters publish on
``data.books.<VENUE>.<SYMBOL>`` (``tidegate.market.v1``), for a strategy that wants every level
change rather than asking the gateway (``TidegateClient.get_book``).

    books: dict[str, OrderBook] = {}

    def on_book(m: ReceivedMessage) -> None:
        book = books.setdefault(m.topic, OrderBook())
        if book.apply(data_pb2.OrderBookDeltas.FromString(m.payload)):
            print(m.topic, book.best_bid(), book.best_ask())

    await client.subscribe("data.books.>", on_book)

The rules match the gateway's books: a snapshot replaces the book; an update whose sequence is not
after the book's, or the adapter's reset (a lone ``BOOK_ACTION_CLEAR``), leaves the book
:attr:`BookState.RESYNCING` until the next snapshot. Reading a book that is not live raises
:class:`BookNotLive`, so a lost book is never used by mistake. Prices and sizes are exact
(``decimal.Decimal``). One book belongs to one task; not thread-safe.
"""
from __future__ import annotations

import decimal
import enum

from ._proto import common_pb2, data_pb2

__all__ = ["BookNotLive", "BookState", "OrderBook", "to_decimal"]


class BookState(enum.Enum):
    AWAITING_SNAPSHOT = "awaiting snapshot"
    LIVE = "live"
    RESYNCING = "resyncing"


class BookNotLive(Exception):
    """The book cannot be read: no snapshot yet, or lost (``why`` says how) until the next one."""

    def __init__(self, state: BookState, why: str) -> None:
        super().__init__(f"the book is {state.value}: {why}")
        self.state = state
        self.why = why


def to_decimal(d: common_pb2.Decimal) -> decimal.Decimal:
    """The wire's exact decimal (``units * 10^-scale``)."""
    return decimal.Decimal(d.units).scaleb(-d.scale)


Level = tuple[decimal.Decimal, decimal.Decimal]


class OrderBook:
    """One instrument's levels from its ``OrderBookDeltas``; see the module's documentation."""

    def __init__(self) -> None:
        self._bids: dict[decimal.Decimal, decimal.Decimal] = {}
        self._asks: dict[decimal.Decimal, decimal.Decimal] = {}
        self.state = BookState.AWAITING_SNAPSHOT
        self.why = "no snapshot yet"
        self.sequence = 0
        self.ts_event = 0
        #: times a live book was lost (reset, sequence gap, a delta that could not be applied)
        self.losses = 0

    def apply(self, batch: data_pb2.OrderBookDeltas) -> bool:
        """Applies one batch; True when the book is live and its best bid or ask moved (or it just
        became live)."""
        was_live = self.state is BookState.LIVE
        before = self._top() if was_live else None
        if batch.is_snapshot:
            self._bids.clear()
            self._asks.clear()
            self.state = BookState.LIVE
            self._apply_levels(batch)
        elif batch.deltas and batch.deltas[0].action == data_pb2.BOOK_ACTION_CLEAR:
            self._lose(f"reset by its adapter ({data_pb2.BookResetReason.Name(batch.reset_reason)})")
        elif not was_live:
            return False  # updates cannot be placed without a snapshot
        elif batch.sequence <= self.sequence:
            self._lose(f"update sequence {batch.sequence} is not after {self.sequence}")
        else:
            self._apply_levels(batch)
        if self.state is not BookState.LIVE:
            if was_live:
                self.losses += 1
            return False
        return before != self._top()

    def best_bid(self) -> Level | None:
        """(price, size) of the highest bid, None when there is none; raises BookNotLive."""
        self._require_live()
        return (p := max(self._bids), self._bids[p]) if self._bids else None

    def best_ask(self) -> Level | None:
        """(price, size) of the lowest ask, None when there is none; raises BookNotLive."""
        self._require_live()
        return (p := min(self._asks), self._asks[p]) if self._asks else None

    def bids(self, depth: int | None = None) -> list[Level]:
        """The best ``depth`` bids (all when None), highest first; raises BookNotLive."""
        self._require_live()
        return sorted(self._bids.items(), reverse=True)[:depth]

    def asks(self, depth: int | None = None) -> list[Level]:
        """The best ``depth`` asks (all when None), lowest first; raises BookNotLive."""
        self._require_live()
        return sorted(self._asks.items())[:depth]

    def _top(self) -> tuple[Level | None, Level | None]:
        return self.best_bid(), self.best_ask()

    def _require_live(self) -> None:
        if self.state is not BookState.LIVE:
            raise BookNotLive(self.state, self.why)

    def _lose(self, why: str) -> None:
        self._bids.clear()
        self._asks.clear()
        self.state = BookState.RESYNCING
        self.why = why

    def _apply_levels(self, batch: data_pb2.OrderBookDeltas) -> None:
        for i, d in enumerate(batch.deltas):
            if d.action == data_pb2.BOOK_ACTION_CLEAR:
                self._bids.clear()
                self._asks.clear()
                continue
            side = self._bids if d.side == common_pb2.ORDER_SIDE_BUY else \
                self._asks if d.side == common_pb2.ORDER_SIDE_SELL else None
            size = to_decimal(d.size)
            if side is None or size < 0 or d.action not in (data_pb2.BOOK_ACTION_ADD, data_pb2.BOOK_ACTION_UPDATE,
                                                            data_pb2.BOOK_ACTION_DELETE):
                self._lose(f"delta {i} of sequence {batch.sequence} has no side, a negative size or no action")
                return
            price = to_decimal(d.price)
            if d.action == data_pb2.BOOK_ACTION_DELETE or size == 0:
                side.pop(price, None)
            else:
                side[price] = size
        self.sequence = batch.sequence
        self.ts_event = batch.ts_event
