"""Binance books replayed from a file: a recorded REST snapshot (``GET /api/v3/depth``) plus recorded
diff-depth events, synced by Binance's documented procedure, published into a real gateway, and
answered by the gateway's ``BooksService.GetBook``."""
from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from pathlib import Path

import grpc
import pytest

from waits import until
from tidegate import ReceivedMessage, TidegateClient
from tidegate.market.v1 import common_pb2, data_pb2
from tidegate.v1 import books_pb2, books_pb2_grpc
from tidegate_adapters import Adapter, parser_for
from tidegate_adapters.books import BinanceBooks, BookReplica
from tidegate_adapters.replay import RecordedSnapshots, file_messages, replay

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT / "samples"
SNAPSHOT = SAMPLES / "binance_depth_snapshot.json"
INITIAL, GAP = data_pb2.BOOK_RESET_REASON_INITIAL, data_pb2.BOOK_RESET_REASON_SEQUENCE_GAP
CLEAR = data_pb2.BOOK_ACTION_CLEAR


def levels(pairs: list[tuple[str, str]]) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(p), Decimal(s)) for p, s in pairs]


# The sample's book after the snapshot (lastUpdateId ...800) and the three events past it.
SAMPLE_FINAL = {
    "bids": levels([("97012.33", "0.61515"), ("97012.32", "0.3"), ("97012.10", "0.4"), ("97012.00", "0.25"),
                    ("97011.50", "1.2")]),
    "asks": levels([("97012.34", "0.08"), ("97012.80", "0.75"), ("97013.00", "1.0"), ("97014.00", "0.9"),
                    ("97015.00", "2.5")]),
}


def depth_line(symbol: str, first: int, last: int, bids: list[list[str]],
               asks: list[list[str]] | None = None) -> str:
    """One recorded diff-depth event in the combined-stream wrapper."""
    return json.dumps({"stream": f"{symbol.lower()}@depth@100ms",
                       "data": {"e": "depthUpdate", "E": 1732530600000 + last, "s": symbol, "U": first, "u": last,
                                "b": bids, "a": asks or []}})


def write_snapshot(path: Path, last_update_id: int, bids: list[list[str]], asks: list[list[str]]) -> Path:
    path.write_text(json.dumps({"lastUpdateId": last_update_id, "bids": bids, "asks": asks}))
    return path


async def test_the_binance_book_sample_replays_as_snapshot_then_one_batch_per_event_after_it() -> None:
    books = BinanceBooks()
    adapter = Adapter(parser_for("binance"), clock=lambda: 1)
    snapshots = RecordedSnapshots.from_specs([f"BTCUSDT={SNAPSHOT}"])
    stats = await replay(file_messages(SAMPLES / "binance_depth.jsonl"), adapter, None, books=books,
                         snapshots=snapshots)
    assert stats.books == 4 and books.stats.stale_dropped == 1 and books.stats.gaps == 0
    assert books.book("BTCUSDT").levels() == SAMPLE_FINAL
    assert snapshots.missing == 0


def test_recorded_snapshot_specs_say_what_is_wrong(tmp_path: Path) -> None:
    for spec, says in (("BTCUSDT", "SYMBOL=FILE"), (f"BTCUSDT={tmp_path / 'none.json'}", "no such file"),
                       (f"BTCUSDT={write_snapshot(tmp_path / 'x.json', 1, [], [])}", None)):
        if says is None:
            assert RecordedSnapshots.from_specs([spec]).queues["BTCUSDT"]
            continue
        with pytest.raises(ValueError, match=says):
            RecordedSnapshots.from_specs([spec])
    (tmp_path / "bad.json").write_text('{"bids": []}')
    with pytest.raises(ValueError, match="lastUpdateId"):
        RecordedSnapshots.from_specs([f"BTCUSDT={tmp_path / 'bad.json'}"])


async def run_replay(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tidegate_adapters.replay", *args, cwd=PROJECT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def get_book(endpoint: str, symbol: str) -> books_pb2.GetBookResponse:
    async with grpc.aio.insecure_channel(endpoint) as channel:
        return await books_pb2_grpc.BooksServiceStub(channel).GetBook(
            books_pb2.GetBookRequest(venue="BINANCE", symbol=symbol), timeout=10)


def answered(book: books_pb2.GetBookResponse) -> dict[str, list[tuple[Decimal, Decimal]]]:
    def dec(d: common_pb2.Decimal) -> Decimal:
        return Decimal(d.units).scaleb(-d.scale)
    return {"bids": [(dec(l.price), dec(l.size)) for l in book.bids],
            "asks": [(dec(l.price), dec(l.size)) for l in book.asks]}


async def test_binance_book_replay_cli_feeds_the_gateway_and_get_book_answers_its_levels(endpoint: str) -> None:
    rc, out, err = await run_replay("--venue", "binance", "--file", "samples/binance_depth.jsonl", "--books",
                                    "--snapshot", f"BTCUSDT={SNAPSHOT}", "--endpoint", endpoint)
    assert rc == 0, err
    assert "books=4" in out and "publish_failed=0" in out, out + err

    async def synced() -> bool:
        try:
            return (await get_book(endpoint, "BTCUSDT")).sequence == 52372491840
        except grpc.aio.AioRpcError:
            return False
    deadline = asyncio.get_running_loop().time() + 20
    while not await synced():
        assert asyncio.get_running_loop().time() < deadline, "GetBook BINANCE BTCUSDT never reached sequence u=...840"
        await asyncio.sleep(0.05)
    assert answered(await get_book(endpoint, "BTCUSDT")) == SAMPLE_FINAL


async def test_binance_book_gap_in_the_file_publishes_a_reset_and_the_next_snapshot_resyncs(
        endpoint: str, tmp_path: Path) -> None:
    frames = tmp_path / "depth.jsonl"
    frames.write_text("\n".join([
        depth_line("ETHUSDT", 96, 101, [["3400.00", "1.0"]]),  # first event: the snapshot is fetched here
        depth_line("ETHUSDT", 102, 104, [["3400.50", "2.0"]]),
        depth_line("ETHUSDT", 110, 112, [["3401.00", "3.0"]]),  # 105..109 missing: reset, the next snapshot
        depth_line("ETHUSDT", 113, 115, [], [["3402.00", "0.5"]]),
    ]) + "\n")
    first = write_snapshot(tmp_path / "s1.json", 100, [["3399.00", "4.0"]], [["3402.00", "1.0"]])
    second = write_snapshot(tmp_path / "s2.json", 112, [["3401.00", "3.0"], ["3399.00", "4.0"]],
                            [["3402.00", "1.0"]])
    async with TidegateClient([endpoint]) as sub:
        got: list[ReceivedMessage] = []
        await sub.subscribe(["data.books.BINANCE.ETHUSDT"], got.append)
        rc, out, err = await run_replay("--venue", "binance", "--file", str(frames), "--books",
                                        "--snapshot", f"ETHUSDT={first}", "--snapshot", f"ethusdt={second}",
                                        "--endpoint", endpoint)
        assert rc == 0, err
        # snapshot 100, 101, 104, the reset, snapshot 112 (the gapped event is in it), 115
        assert "books=6" in out and "publish_failed=0" in out, out + err
        await until(lambda: len(got) >= 6, what="6 book batches")
    batches = [data_pb2.OrderBookDeltas.FromString(m.payload) for m in got]
    assert [(b.is_snapshot, b.sequence) for b in batches] == [(True, 100), (False, 101), (False, 104), (False, 0),
                                                              (True, 112), (False, 115)]
    reset = batches[3]
    assert [d.action for d in reset.deltas] == [CLEAR] and reset.reset_reason == GAP
    assert batches[4].reset_reason == GAP  # the snapshot says why it came
    replica = BookReplica()
    for b in batches:
        replica.apply(b)
    expected = {"bids": levels([("3401.00", "3.0"), ("3399.00", "4.0")]), "asks": levels([("3402.00", "0.5")])}
    assert replica.levels("ETHUSDT.BINANCE") == expected
    assert answered(await get_book(endpoint, "ETHUSDT")) == expected


async def test_binance_book_without_a_further_snapshot_stays_reset_in_the_gateway(endpoint: str,
                                                                                 tmp_path: Path) -> None:
    frames = tmp_path / "depth.jsonl"
    frames.write_text("\n".join([depth_line("SOLUSDT", 96, 101, [["3400.00", "1.0"]]),
                                 depth_line("SOLUSDT", 110, 112, [["3401.00", "3.0"]])]) + "\n")
    only = write_snapshot(tmp_path / "s.json", 100, [["3399.00", "4.0"]], [["3402.00", "1.0"]])
    rc, out, err = await run_replay("--venue", "binance", "--file", str(frames), "--books",
                                    "--snapshot", f"SOLUSDT={only}", "--endpoint", endpoint)
    assert rc == 0, err
    assert "books=3" in out, out + err  # snapshot, 101, the reset
    assert "needs a REST snapshot and the recording has no more" in err

    async def reset_seen() -> grpc.aio.AioRpcError | None:
        try:
            await get_book(endpoint, "SOLUSDT")
            return None
        except grpc.aio.AioRpcError as e:
            return e if "BOOK_RESET_REASON_SEQUENCE_GAP" in (e.details() or "") else None
    deadline = asyncio.get_running_loop().time() + 20
    while (refused := await reset_seen()) is None:
        assert asyncio.get_running_loop().time() < deadline, "GetBook kept serving a book that was reset"
        await asyncio.sleep(0.05)
    assert refused.code() == grpc.StatusCode.UNAVAILABLE


async def test_binance_book_from_a_file_without_a_snapshot_is_refused_with_what_to_give() -> None:
    rc, _, err = await run_replay("--venue", "binance", "--file", "samples/binance_depth.jsonl", "--books",
                                  "--dry-run")
    assert rc == 2 and "--snapshot SYMBOL=FILE" in err
