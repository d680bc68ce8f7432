"""``tidegate.book.OrderBook``: known answers for batches as the adapters publish them, and one kept
from a subscription to a real gateway jar agreeing with the gateway's own book (``get_book``)."""
from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import grpc
import pytest

from waits import until
from tidegate import Message, ReceivedMessage, TidegateClient, TidegateError
from tidegate.book import BookNotLive, BookState, OrderBook, to_decimal
from tidegate.market.v1 import common_pb2, data_pb2
from tidegate.v1 import books_pb2

BID, ASK = common_pb2.ORDER_SIDE_BUY, common_pb2.ORDER_SIDE_SELL


def dec(text: str) -> common_pb2.Decimal:
    sign, digits, exponent = Decimal(text).as_tuple()
    units = int("".join(map(str, digits))) * (-1 if sign else 1)
    return common_pb2.Decimal(units=units, scale=max(0, -int(exponent)))


def delta(action: int, side: int, price: str, size: str) -> data_pb2.OrderBookDelta:
    return data_pb2.OrderBookDelta(action=action, side=side, price=dec(price), size=dec(size))


def snapshot(seq: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> data_pb2.OrderBookDeltas:
    batch = data_pb2.OrderBookDeltas(is_snapshot=True, sequence=seq, reset_reason=data_pb2.BOOK_RESET_REASON_INITIAL,
                                     deltas=[data_pb2.OrderBookDelta(action=data_pb2.BOOK_ACTION_CLEAR)])
    batch.deltas.extend([delta(data_pb2.BOOK_ACTION_ADD, BID, p, s) for p, s in bids])
    batch.deltas.extend([delta(data_pb2.BOOK_ACTION_ADD, ASK, p, s) for p, s in asks])
    return batch


def update(seq: int, *changes: data_pb2.OrderBookDelta) -> data_pb2.OrderBookDeltas:
    return data_pb2.OrderBookDeltas(sequence=seq, deltas=list(changes))


RESET = data_pb2.OrderBookDeltas(reset_reason=data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP,
                                 deltas=[data_pb2.OrderBookDelta(action=data_pb2.BOOK_ACTION_CLEAR)])


def test_deltas_applied_give_the_expected_levels_exactly() -> None:
    book = OrderBook()
    assert book.apply(snapshot(10, [("100.5", "2"), ("100", "1")], [("101", "1.5"), ("101.25", "4")]))
    assert not book.apply(update(11, delta(data_pb2.BOOK_ACTION_ADD, BID, "100.25", "0.125"),
                                 delta(data_pb2.BOOK_ACTION_DELETE, BID, "100", "0")))
    assert book.apply(update(12, delta(data_pb2.BOOK_ACTION_UPDATE, ASK, "101", "0")))  # size 0 deletes
    assert book.bids() == [(Decimal("100.5"), Decimal("2")), (Decimal("100.25"), Decimal("0.125"))]
    assert book.asks(1) == [(Decimal("101.25"), Decimal("4"))]
    assert book.best_bid() == (Decimal("100.5"), Decimal("2"))
    assert book.sequence == 12 and book.state is BookState.LIVE


def test_a_gap_flags_the_book_reading_it_raises_and_the_next_snapshot_restores_it() -> None:
    book = OrderBook()
    book.apply(snapshot(5, [("10", "1")], [("11", "1")]))
    assert not book.apply(update(5, delta(data_pb2.BOOK_ACTION_UPDATE, BID, "10", "2")))
    assert book.state is BookState.RESYNCING and book.losses == 1
    with pytest.raises(BookNotLive, match="sequence 5 is not after 5"):
        book.best_bid()
    assert not book.apply(update(6, delta(data_pb2.BOOK_ACTION_UPDATE, BID, "10", "3")))  # still lost
    assert book.apply(snapshot(9, [("9.5", "4")], [("10.5", "2")]))
    assert book.best_bid() == (Decimal("9.5"), Decimal("4"))
    book.apply(RESET)
    with pytest.raises(BookNotLive, match="BOOK_RESET_REASON_SEQUENCE_GAP"):
        book.asks()


def test_exact_decimals_come_back_as_sent() -> None:
    assert to_decimal(dec("65000.123456789")) == Decimal("65000.123456789")
    assert to_decimal(dec("-0.5")) == Decimal("-0.5")


async def test_a_book_kept_from_a_subscription_agrees_with_the_gateways(endpoint: str) -> None:
    venue = f"PY{uuid.uuid4().hex[:8].upper()}"
    topic = f"data.books.{venue}.BTCUSDT"
    async with TidegateClient([endpoint]) as publisher, TidegateClient([endpoint]) as strategy:
        mine = OrderBook()
        applied: list[int] = []

        def on_book(m: ReceivedMessage) -> None:
            mine.apply(data_pb2.OrderBookDeltas.FromString(m.payload))
            applied.append(mine.sequence)

        await strategy.subscribe(f"data.books.{venue}.>", on_book, timeout=10)
        for batch in (snapshot(100, [("97000.00", "0.25"), ("96999.5", "1")], [("97500.1", "0.3")]),
                      update(101, delta(data_pb2.BOOK_ACTION_ADD, BID, "97500.00", "0.250")),
                      update(102, delta(data_pb2.BOOK_ACTION_DELETE, BID, "96999.5", "0"))):
            await publisher.publish(Message(topic=topic, ordering_key=f"BTCUSDT.{venue}",
                                            payload=batch.SerializeToString()))
        await until(lambda: applied[-1:] == [102], 20, "the three batches")
        theirs = await gateway_book_at(strategy, venue, 102)
        assert [(to_decimal(l.price), to_decimal(l.size)) for l in theirs.bids] == mine.bids()
        assert [(to_decimal(l.price), to_decimal(l.size)) for l in theirs.asks] == mine.asks()
        assert mine.bids() == [(Decimal("97500"), Decimal("0.25")), (Decimal("97000"), Decimal("0.25"))]

        with pytest.raises(TidegateError) as e:
            await strategy.get_book(venue, "ETHUSDT")
        assert e.value.code == grpc.StatusCode.NOT_FOUND


async def gateway_book_at(client: TidegateClient, venue: str, sequence: int) -> books_pb2.GetBookResponse:
    """The gateway keeps its books off the publish path: ask until it has applied ``sequence``."""
    deadline = time.monotonic() + 20
    while True:
        try:
            book = await client.get_book(venue, "BTCUSDT")
            if book.sequence == sequence:
                return book
        except TidegateError as e:
            if e.code != grpc.StatusCode.NOT_FOUND:
                raise
        assert time.monotonic() < deadline, f"the gateway's book of {venue} did not reach sequence {sequence}"
        await asyncio.sleep(0.02)
