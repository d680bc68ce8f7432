"""The book engines' venue rules, one by one, without sockets."""
from __future__ import annotations

import random
import zlib
from decimal import Decimal

import pytest

from tidegate.market.v1 import common_pb2, data_pb2
from tidegate_adapters.books import (ASK, BID, BinanceBooks, BookReplica, BybitBooks, CoinbaseBooks, LocalBook,
                                     OkxBooks, okx_checksum)
from tidegate_adapters._common import MalformedMessage
from tidegate_adapters.live import Backoff

CLEAR = data_pb2.BOOK_ACTION_CLEAR


def test_okx_checksum_follows_the_documented_example() -> None:
    # OKX's documentation: bids 3366.1/7, 3366/6 and asks 3366.8/9, 3368/8 -> "3366.1:7:3366.8:9:3366:6:3368:8"
    book = LocalBook()
    for side, p, s in ((BID, "3366.1", "7"), (BID, "3366", "6"), (ASK, "3366.8", "9"), (ASK, "3368", "8")):
        book.apply(side, p, s)
    crc = zlib.crc32(b"3366.1:7:3366.8:9:3366:6:3368:8")
    assert okx_checksum(book) == (crc - 2**32 if crc >= 2**31 else crc)
    # a shorter side just ends: "3366.1:7:3366.8:9:3368:8" once the second bid is gone
    book.apply(BID, "3366", "0")
    crc = zlib.crc32(b"3366.1:7:3366.8:9:3368:8")
    assert okx_checksum(book) == (crc - 2**32 if crc >= 2**31 else crc)


def test_okx_checksum_counts_only_the_top_25_levels() -> None:
    book = LocalBook()
    for i in range(30):
        book.apply(BID, str(100 - i), "1")
        book.apply(ASK, str(200 + i), "1")
    before = okx_checksum(book)
    book.apply(BID, "71", "5")  # the 30th bid
    assert okx_checksum(book) == before
    book.apply(BID, "76", "5")  # the 25th bid
    assert okx_checksum(book) != before


def depth(first: int, last: int, bids: list[list[str]], pu: int | None = None) -> dict:
    m = {"e": "depthUpdate", "E": 1700000000000, "s": "BNBBTC", "U": first, "u": last, "b": bids, "a": []}
    if pu is not None:
        m["pu"] = pu
    return m


def test_binance_buffers_until_the_snapshot_and_refetches_one_older_than_the_stream() -> None:
    e = BinanceBooks()
    out = e.on_message(depth(101, 103, [["1.0", "1"]]), 1)
    assert out.snapshots_needed == ["BNBBTC"] and not out.batches
    assert e.on_message(depth(104, 104, [["1.1", "1"]]), 1).snapshots_needed == []  # already asked
    out = e.on_snapshot("BNBBTC", {"lastUpdateId": 90, "bids": [], "asks": []}, 1)
    assert out.snapshots_needed == ["BNBBTC"] and not out.batches  # 90 < 101 - 1: older than the stream
    out = e.on_snapshot("BNBBTC", {"lastUpdateId": 102, "bids": [["0.9", "2"]], "asks": [["2.0", "3"]]}, 1)
    assert [b.is_snapshot for b in out.batches] == [True, False, False]  # snapshot, then 101..103 and 104
    assert e.book("BNBBTC").levels()["bids"] == [(Decimal("1.1"), 1), (Decimal("1.0"), 1), (Decimal("0.9"), 2)]
    assert e.on_message(depth(100, 104, [["5", "5"]]), 1).batches == []  # u <= last: stale
    assert e.stats.stale_dropped == 1


def test_binance_gap_inside_the_buffer_keeps_what_followed_it_for_the_next_snapshot() -> None:
    # live, the stream is read while the snapshot is fetched: a gap can sit inside the buffer
    e = BinanceBooks()
    for first, last, price in ((101, 103, "1.0"), (104, 105, "1.1"), (108, 109, "1.2"), (110, 111, "1.3")):
        e.on_message(depth(first, last, [[price, "1"]]), 1)
    out = e.on_snapshot("BNBBTC", {"lastUpdateId": 102, "bids": [], "asks": []}, 1)
    assert [(b.is_snapshot, b.sequence, b.reset_reason) for b in out.batches] == [
        (True, 102, data_pb2.BOOK_RESET_REASON_INITIAL), (False, 103, 0), (False, 105, 0),
        (False, 0, data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP)]  # 106..107 missing
    assert out.snapshots_needed == ["BNBBTC"] and e.stats.gaps == 1
    assert [m["u"] for m in e.states["BNBBTC"].buffer] == [109, 111]  # the gapped event and the one after it
    out = e.on_snapshot("BNBBTC", {"lastUpdateId": 109, "bids": [["1.2", "1"]], "asks": []}, 1)
    assert [(b.is_snapshot, b.sequence) for b in out.batches] == [(True, 109), (False, 111)]
    assert e.book("BNBBTC").levels()["bids"] == [(Decimal("1.3"), 1), (Decimal("1.2"), 1)]


def test_binance_malformed_snapshot_leaves_the_buffer_for_the_next() -> None:
    e = BinanceBooks()
    e.on_message(depth(101, 103, [["1.0", "1"]]), 1)
    for body in ({"lastUpdateId": "102", "bids": [], "asks": []},
                 {"lastUpdateId": 102, "bids": [["x", "1"]], "asks": []}):
        with pytest.raises(MalformedMessage):
            e.on_snapshot("BNBBTC", body, 1)
    out = e.on_snapshot("BNBBTC", {"lastUpdateId": 102, "bids": [], "asks": []}, 1)
    assert [b.sequence for b in out.batches] == [102, 103]
    assert e.book("BNBBTC").levels()["bids"] == [(Decimal("1.0"), 1)]


def test_binance_futures_chain_on_pu() -> None:
    e = BinanceBooks(futures=True)
    e.on_message(depth(10, 12, [], pu=9), 1)
    e.on_snapshot("BNBBTC", {"lastUpdateId": 11, "bids": [], "asks": []}, 1)
    assert e.states["BNBBTC"].last_seq == 12
    assert e.on_message(depth(13, 15, [["1", "1"]], pu=12), 1).batches
    out = e.on_message(depth(17, 18, [["1", "2"]], pu=16), 1)
    assert e.stats.gaps == 1 and out.snapshots_needed == ["BNBBTC"]
    assert out.batches[0].deltas[0].action == CLEAR and out.batches[0].reset_reason == data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP


def bybit(kind: str, u: int, bids: list[list[str]]) -> dict:
    return {"topic": "orderbook.50.BTCUSDT", "type": kind, "ts": 1672304484978,
            "data": {"s": "BTCUSDT", "b": bids, "a": [["20", "1"]], "u": u, "seq": 5}}


def test_bybit_u_equal_1_is_a_snapshot_after_a_venue_restart() -> None:
    e = BybitBooks()
    e.on_message(bybit("snapshot", 500, [["10", "1"]]), 1)
    e.on_message(bybit("delta", 501, [["11", "1"]]), 1)
    out = e.on_message(bybit("delta", 1, [["9", "4"]]), 1)
    assert out.batches[0].is_snapshot and out.batches[0].reset_reason == data_pb2.BOOK_RESET_REASON_VENUE_SNAPSHOT
    assert e.book("BTCUSDT").levels()["bids"] == [(Decimal(9), Decimal(4))] and e.stats.gaps == 0


def test_updates_before_any_snapshot_are_dropped_and_counted() -> None:
    e = CoinbaseBooks()
    out = e.on_message({"type": "l2update", "product_id": "BTC-USD", "changes": [["buy", "1", "1"]],
                        "time": "2019-08-14T20:42:27.265Z"}, 1)
    assert not out.batches and e.stats.stale_dropped == 1
    o = OkxBooks()
    out = o.on_message({"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": "update",
                        "data": [{"bids": [], "asks": [], "ts": "1", "seqId": 5, "prevSeqId": 4}]}, 1)
    assert not out.batches and o.stats.stale_dropped == 1


def test_a_side_beyond_max_levels_loses_its_worst_levels_as_deletes() -> None:
    e = BybitBooks(max_levels=2)
    out = e.on_message(bybit("snapshot", 1, [["10", "1"], ["9", "1"], ["8", "1"]]), 1)
    deltas = out.batches[0].deltas
    assert deltas[-1].action == data_pb2.BOOK_ACTION_DELETE and deltas[-1].price == common_pb2.Decimal(units=8)
    replica = BookReplica()
    replica.apply(out.batches[0])
    assert replica.levels("BTCUSDT.BYBIT") == e.book("BTCUSDT").levels()
    assert [p for p, _ in e.book("BTCUSDT").levels()["bids"]] == [10, 9]


def test_exact_decimals_keep_the_venue_scale() -> None:
    e = CoinbaseBooks()
    out = e.on_message({"type": "snapshot", "product_id": "BTC-USD", "bids": [["10101.10", "0.45054140"]],
                        "asks": []}, 1)
    add = out.batches[0].deltas[1]
    assert add.price == common_pb2.Decimal(units=1010110, scale=2) and add.size == common_pb2.Decimal(units=45054140, scale=8)


def test_backoff_grows_with_jitter_up_to_its_maximum() -> None:
    b, rng = Backoff(initial=1, maximum=8), random.Random(1)
    for attempt, ceiling in ((0, 1), (1, 2), (2, 4), (3, 8), (10, 8)):
        delays = {b.delay(attempt, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(delays) > 1


# --- Binance's documented sync procedure, rule by rule --------------------------------------

def synced_binance(last_update_id: int = 100) -> BinanceBooks:
    """A BNBBTC book synced from a snapshot at ``last_update_id`` (one bid 1.0, one ask 2.0)."""
    e = BinanceBooks()
    e.on_message(depth(last_update_id - 5, last_update_id - 1, []), 1)  # buffered; asks for the snapshot
    e.on_snapshot("BNBBTC", {"lastUpdateId": last_update_id, "bids": [["1.0", "1"]], "asks": [["2.0", "1"]]}, 1)
    return e


def test_binance_book_drops_events_up_to_the_snapshot_and_applies_the_one_straddling_it() -> None:
    e = synced_binance(100)
    assert e.stats.stale_dropped == 1  # the buffered 95..99
    assert e.on_message(depth(95, 100, [["1.5", "9"]]), 1).batches == []  # u <= lastUpdateId: in the snapshot
    assert e.stats.stale_dropped == 2
    out = e.on_message(depth(98, 103, [["1.1", "2"]]), 1)  # U <= lastUpdateId + 1 <= u
    assert [b.sequence for b in out.batches] == [103] and e.stats.gaps == 0
    assert e.book("BNBBTC").levels()["bids"] == [(Decimal("1.1"), 2), (Decimal("1.0"), 1)]


def test_binance_book_resets_when_the_first_event_after_the_snapshot_leaves_a_gap() -> None:
    e = synced_binance(100)
    out = e.on_message(depth(102, 104, [["1.1", "2"]]), 1)  # lastUpdateId + 1 = 101 is missing
    assert [(b.reset_reason, [d.action for d in b.deltas]) for b in out.batches] == [
        (data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP, [CLEAR])]
    assert out.snapshots_needed == ["BNBBTC"] and e.stats.gaps == 1 and not e.states["BNBBTC"].synced


def test_binance_book_needs_each_event_to_start_right_after_the_last() -> None:
    e = synced_binance(100)
    assert e.on_message(depth(101, 105, [["1.1", "2"]]), 1).batches[0].sequence == 105
    assert e.on_message(depth(106, 110, [["1.2", "2"]]), 1).batches[0].sequence == 110  # U == previous u + 1
    out = e.on_message(depth(108, 112, [["1.3", "2"]]), 1)  # U != 111: overlaps what was applied
    assert out.batches[0].deltas[0].action == CLEAR and out.snapshots_needed == ["BNBBTC"]
    assert e.on_message(depth(113, 115, [["1.4", "2"]]), 1).batches == []  # waits for the new snapshot
    assert e.stats.gaps == 1 and e.stats.resyncs == 1


def test_binance_book_resyncs_from_the_next_snapshot_after_a_gap() -> None:
    e = synced_binance(100)
    e.on_message(depth(101, 105, [["1.1", "2"]]), 1)
    e.on_message(depth(110, 112, [["1.2", "2"]]), 1)  # gap: reset, snapshot asked for, this one buffered
    e.on_message(depth(113, 114, [["1.3", "1"]]), 1)  # buffered too; no second request
    assert e.on_snapshot("BNBBTC", {"lastUpdateId": 108, "bids": [], "asks": []}, 1).snapshots_needed == ["BNBBTC"]
    out = e.on_snapshot("BNBBTC", {"lastUpdateId": 111, "bids": [["1.2", "5"]], "asks": [["2.0", "1"]]}, 1)
    assert [(b.is_snapshot, b.sequence) for b in out.batches] == [(True, 111), (False, 112), (False, 114)]
    assert out.batches[0].reset_reason == data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP
    assert e.book("BNBBTC").levels() == {"bids": [(Decimal("1.3"), 1), (Decimal("1.2"), 2)],
                                         "asks": [(Decimal("2.0"), 1)]}
