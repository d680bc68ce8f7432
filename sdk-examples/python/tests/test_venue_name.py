"""``--venue-name``: Binance uses the id ``BTCUSDT`` for spot and for the USDⓈ-M perpetual, and
topics carry no segment, so the CLIs publish USD-M under another venue name (``BINANCEUSDM``). A
real gateway of this module's own (its registry holds only what is published here) then lists each
market under its own key, and a subscription by the perpetual's key gets the USD-M quotes (from the
replay and the live CLI) and not spot's."""
from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import grpc
import pytest

from gateway_process import GatewayProcess
from test_binance_live_books import book, fdepth, gateway_book, snapshot, subscribed
from venue_server import VenueServer
from waits import until
from tidegate import DataKind, ReceivedMessage, TidegateClient, TidegateError
from tidegate.market.v1 import data_pb2
from tidegate.v1 import instruments_pb2, instruments_pb2_grpc
from tidegate_adapters import listings, live, replay
from tidegate_adapters.listings import parse_listing, to_messages

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "listings"
PERPETUAL, SPOT = "BTC/USDT:USDT", "BTC/USDT"


@pytest.fixture(scope="module")
def own_endpoint() -> Iterator[str]:
    with GatewayProcess() as g:
        yield g.endpoint


async def run(*args: str) -> str:
    """Runs ``python -m <args>`` to its end; its stdout (it must exit 0)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", *args, cwd=PROJECT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def run_now(*args: str) -> str:
    """``run`` from a synchronous (module-wide) fixture."""
    done = subprocess.run([sys.executable, "-m", *args], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def equivalents(endpoint: str, key: str) -> set[tuple[str, str, str]]:
    with grpc.insecure_channel(endpoint) as channel:
        answer = instruments_pb2_grpc.InstrumentsServiceStub(channel).Equivalents(
            instruments_pb2.EquivalentsRequest(key=key), timeout=10)
    return {(m.venue, m.segment, m.native_id) for m in answer.markets}


@pytest.fixture(scope="module")
def listed(own_endpoint: str) -> str:
    """Spot listed as BINANCE and USD-M as BINANCEUSDM by ``listings publish``, and known to the
    registry (it reads listings off the publish path)."""
    spot = run_now("tidegate_adapters.listings", "publish", "--venue", "binance",
                     "--file", str(FIXTURES / "binance_spot.json"), "--endpoint", own_endpoint)
    usdm = run_now("tidegate_adapters.listings", "publish", "--venue", "binance", "--venue-name", "BINANCEUSDM",
                     "--file", str(FIXTURES / "binance_usdm.json"), "--endpoint", own_endpoint)
    assert spot.startswith("published 2 definitions on data.instruments.BINANCE ")
    assert usdm.startswith("published 2 definitions on data.instruments.BINANCEUSDM ")
    deadline = time.monotonic() + 20
    while not (equivalents(own_endpoint, PERPETUAL) and equivalents(own_endpoint, SPOT)):
        assert time.monotonic() < deadline, "the registry never listed both markets"
        time.sleep(0.02)
    return own_endpoint


def test_a_renamed_listing_names_its_venue_in_the_definitions_and_the_topic() -> None:
    parsed = parse_listing("binance", (FIXTURES / "binance_usdm.json").read_bytes(), venue_name="BINANCEUSDM")
    perpetual = next(d for d in parsed.definitions if d.raw_symbol == "BTCUSDT")
    assert (perpetual.venue, perpetual.instrument_id, perpetual.segment, perpetual.canonical_key) == \
        ("BINANCEUSDM", "BTCUSDT.BINANCEUSDM", "linear", PERPETUAL)
    assert {m.topic for m in to_messages(parsed)} == {"data.instruments.BINANCEUSDM"}
    # the parser is still Binance's: the same rows, keys and segments as without a name
    plain = parse_listing("binance", (FIXTURES / "binance_usdm.json").read_bytes())
    assert [(d.raw_symbol, d.canonical_key, d.segment) for d in parsed.definitions] == \
        [(d.raw_symbol, d.canonical_key, d.segment) for d in plain.definitions]
    assert {d.venue for d in plain.definitions} == {"BINANCE"}


def test_the_perpetual_and_spot_are_listed_under_their_own_venue_names(listed: str) -> None:
    assert equivalents(listed, PERPETUAL) == {("BINANCEUSDM", "linear", "BTCUSDT")}
    assert equivalents(listed, SPOT) == {("BINANCE", "spot", "BTCUSDT")}


def book_ticker(bid: str, futures: bool = False) -> dict[str, object]:
    """A bookTicker event as Binance documents it (the futures stream adds ``e``, ``E``, ``T``)."""
    event: dict[str, object] = {"u": 400900217, "s": "BTCUSDT", "b": bid, "B": "1.5", "a": "70001.0", "A": "2"}
    if futures:
        event.update(e="bookTicker", E=1568014460893, T=1568014460891)
    return event


def quotes(got: Sequence[ReceivedMessage]) -> list[tuple[str, str, int]]:
    out = []
    for m in got:
        q = data_pb2.QuoteTick.FromString(m.payload)
        out.append((m.topic, q.instrument_id, q.bid_price.units))
    return out


async def test_a_subscriber_by_the_perpetual_gets_the_replayed_usdm_quote_and_not_spots(
        listed: str, tmp_path: Path) -> None:
    spot_file, usdm_file = tmp_path / "spot.jsonl", tmp_path / "usdm.jsonl"
    spot_file.write_text(json.dumps(book_ticker("69999")) + "\n")
    usdm_file.write_text(json.dumps(book_ticker("70000", futures=True)) + "\n")
    async with TidegateClient([listed]) as strategy:
        perpetual: list[ReceivedMessage] = []
        spot: list[ReceivedMessage] = []
        await strategy.subscribe([], perpetual.append, instruments=[PERPETUAL], data_kind=DataKind.QUOTES, timeout=10)
        await strategy.subscribe([], spot.append, instruments=[SPOT], data_kind=DataKind.QUOTES, timeout=10)
        out = await run("tidegate_adapters.replay", "--venue", "binance", "--file", str(spot_file),
                        "--endpoint", listed)
        assert "published=1 " in out
        await until(lambda: len(spot) >= 1, 20, "spot's quote for the spot subscriber")
        out = await run("tidegate_adapters.replay", "--venue", "binance", "--venue-name", "BINANCEUSDM",
                        "--file", str(usdm_file), "--endpoint", listed)
        assert "replay summary: BINANCEUSDM:" in out and "published=1 " in out
        await until(lambda: len(perpetual) >= 1, 20, "the USD-M quote for the perpetual's subscriber")
        # spot's quote was delivered to the spot subscriber before the USD-M quote was published:
        # had the perpetual's subscriber been given it, it would be here first
        assert quotes(perpetual) == [("data.quotes.BINANCEUSDM.BTCUSDT", "BTCUSDT.BINANCEUSDM", 70000)]
        assert quotes(spot) == [("data.quotes.BINANCE.BTCUSDT", "BTCUSDT.BINANCE", 69999)]


async def test_the_live_cli_publishes_quotes_and_books_under_the_venue_name(listed: str) -> None:
    scripts = [[subscribed("BTCUSDT"), fdepth("BTCUSDT", 290, 300, 280, [["70000.0", "3"]]),
                fdepth("BTCUSDT", 305, 310, 300, [["70000.5", "4"]]),
                ("send", {"stream": "btcusdt@bookTicker", "data": book_ticker("70002", futures=True)})]]
    snapshots = [snapshot(300, [["70000.0", "3"]], [["70001.0", "2"]])]
    async with VenueServer(scripts, snapshots) as server, TidegateClient([listed]) as client:
        perpetual: list[ReceivedMessage] = []
        await client.subscribe([], perpetual.append, instruments=[PERPETUAL], data_kind=DataKind.QUOTES, timeout=10)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tidegate_adapters.live", "--venue", "binance", "--segment", "linear",
            "--venue-name", "BINANCEUSDM", "--url", server.url, "--symbols", "BTCUSDT",
            "--rest-url", server.rest_url, "--endpoint", listed, "--backoff-initial", "0.01",
            "--backoff-max", "0.05", cwd=PROJECT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await until(lambda: len(perpetual) >= 1, 20, "the live USD-M quote for the perpetual's subscriber")
            assert await gateway_book(client, "BTCUSDT", 310, venue="BINANCEUSDM") == \
                book({"70000.5": "4", "70000.0": "3"}, {"70001.0": "2"})
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert quotes(perpetual) == [("data.quotes.BINANCEUSDM.BTCUSDT", "BTCUSDT.BINANCEUSDM", 70002)]
        with pytest.raises(TidegateError) as e:  # nothing was published as BINANCE's book
            await client.get_book("BINANCE", "BTCUSDT")
        assert e.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("argv", [
    ["publish", "--venue", "binance", "--file", "x.json"],
    ["--venue", "binance", "--url", "ws://127.0.0.1:1/ws", "--symbols", "BTCUSDT"],
    ["--venue", "binance", "--file", "x.jsonl"],
], ids=["listings", "live", "replay"])
@pytest.mark.parametrize("name", ["binanceusdm", "BINANCE-USDM", "", "B" * 65])
def test_a_venue_name_other_than_upper_case_letters_and_digits_is_refused(
        argv: list[str], name: str, capsys: pytest.CaptureFixture[str]) -> None:
    parse_args = {"listings": listings._args, "live": live._args, "replay": replay._args}
    command = "listings" if argv[0] == "publish" else "live" if "--symbols" in argv else "replay"
    with pytest.raises(SystemExit) as exit_:
        parse_args[command]([*argv, "--venue-name", name])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --venue-name" in err and "use 1-64 upper-case letters and digits" in err
