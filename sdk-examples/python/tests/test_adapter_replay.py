"""The adapter end to end: WebSocket mode against a local server replaying the samples, and the
replay CLI publishing every venue's sample into a real gateway."""
from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest
import websockets

from waits import until
from tidegate import ReceivedMessage, TidegateClient
from tidegate_adapters import QUOTE_CONTENT_TYPE, TRADE_CONTENT_TYPE, Adapter, parser_for
from tidegate_adapters.replay import file_messages, replay, websocket_messages
from tidegate.market.v1 import data_pb2

from test_parsers import EXPECTED_SAMPLES

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROJECT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"replay summary: (\w+): messages=(\d+) parsed=(\d+) ignored=(\d+) malformed=(\d+) "
                     r"ticks=(\d+) published=(\d+) publish_failed=(\d+)")


class ReplayServer:
    """A local WebSocket server that sends a sample file line by line to each client, then closes.
    It records what clients sent (the venue subscribe requests)."""

    def __init__(self, path: Path) -> None:
        self.lines = [line for line in path.read_text().splitlines() if line.strip()]
        self.received: list[str] = []
        self.url = ""

    async def handler(self, ws: websockets.ServerConnection) -> None:
        try:
            first = await asyncio.wait_for(ws.recv(), 0.5)  # the subscribe request, if any
            self.received.append(str(first))
        except TimeoutError:
            pass
        for line in self.lines:
            await ws.send(line)
        await ws.close()

    async def __aenter__(self) -> ReplayServer:
        self._server = await websockets.serve(self.handler, "127.0.0.1", 0)
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ws"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()


async def ticks_from(source, venue: str) -> tuple[Adapter, list]:  # type: ignore[no-untyped-def]
    adapter = Adapter(parser_for(venue), clock=lambda: 1)
    out = []
    async for raw in source:
        out.extend(adapter.feed(raw))
    return adapter, out


@pytest.mark.parametrize("venue", sorted(EXPECTED_SAMPLES))
async def test_websocket_mode_matches_file_mode(venue: str) -> None:
    path = SAMPLES / f"{venue}.jsonl"
    file_adapter, file_ticks = await ticks_from(file_messages(path), venue)
    async with ReplayServer(path) as server:
        symbols = {"binance": ["BTCUSDT"], "bybit": ["BTCUSDT"], "okx": ["BTC-USDT"], "coinbase": ["BTC-USD"]}[venue]
        ws_adapter, ws_ticks = await ticks_from(websocket_messages(server.url, parser_for(venue), symbols), venue)
    assert ws_ticks == file_ticks and ws_adapter.stats == file_adapter.stats
    assert ws_adapter.stats.malformed == EXPECTED_SAMPLES[venue][3]
    request = json.loads(server.received[0])  # the venue's own subscribe request was sent
    assert request.get("method") == "SUBSCRIBE" or request.get("op") == "subscribe" or request.get("type") == "subscribe"


async def test_websocket_mode_publishes_through_the_gateway(endpoint: str) -> None:
    _, file_ticks = await ticks_from(file_messages(SAMPLES / "okx.jsonl"), "okx")
    expected = [(t.instrument_id, t.trade_id, t.price, t.size) for t in file_ticks if isinstance(t, data_pb2.TradeTick)]
    async with ReplayServer(SAMPLES / "okx.jsonl") as server, TidegateClient([endpoint]) as sub, \
            TidegateClient([endpoint], client_name="okx-adapter") as pub:
        got: list[ReceivedMessage] = []
        await sub.subscribe(["data.trades.OKX.>"], got.append)
        stats = await replay(websocket_messages(server.url, parser_for("okx")), Adapter(parser_for("okx")), pub)
        assert stats.published == stats.ticks == 22 and stats.publish_failed == 0
        await until(lambda: len(got) >= len(expected), what="OKX trades from the websocket")
    assert all(m.message.content_type == TRADE_CONTENT_TYPE for m in got)
    trades = [data_pb2.TradeTick.FromString(m.payload) for m in got]
    by_key = sorted((t.instrument_id, t.trade_id, t.price, t.size) for t in trades)  # order holds per key only
    assert [x[:2] for x in by_key] == sorted(x[:2] for x in expected)
    for iid in ("BTCUSDT.OKX", "ETHUSDT.OKX"):
        assert [x for x in [(t.instrument_id, t.trade_id, t.price, t.size) for t in trades] if x[0] == iid] == \
            [x for x in expected if x[0] == iid]
    assert {t.instrument_id for t in trades} == {"BTCUSDT.OKX", "ETHUSDT.OKX"}


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tidegate_adapters.replay", *args, cwd=PROJECT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_replay_cli_end_to_end(endpoint: str) -> None:
    """Every venue's sample through the CLI into the gateway; a subscriber to data.quotes.> gets
    the normalised QuoteTicks of every venue, in order, exactly once."""
    expected: dict[str, list[data_pb2.QuoteTick]] = {}
    for venue in EXPECTED_SAMPLES:
        _, ticks = await ticks_from(file_messages(SAMPLES / f"{venue}.jsonl"), venue)
        for t in ticks:
            if isinstance(t, data_pb2.QuoteTick):
                expected.setdefault(t.instrument_id, []).append(t)
    assert len(expected) == 8
    async with TidegateClient([endpoint]) as sub:
        got: list[ReceivedMessage] = []
        await sub.subscribe(["data.quotes.>"], got.append)
        for venue, (messages, parsed, ignored, malformed, ticks, _) in EXPECTED_SAMPLES.items():
            rc, out, err = await run_cli("--venue", venue, "--file", f"samples/{venue}.jsonl", "--endpoint", endpoint)
            assert rc == 0, err
            m = SUMMARY.search(out)
            assert m, out + err
            assert m.group(1) == venue.upper()
            assert [int(g) for g in m.groups()[1:]] == [messages, parsed, ignored, malformed, ticks, ticks, 0]
            assert err.count("malformed message") == malformed
        n_quotes = sum(len(v) for v in expected.values())
        await until(lambda: len(got) >= n_quotes, what=f"{n_quotes} quotes")
        await asyncio.sleep(0.3)
        assert len(got) == n_quotes
    received: dict[str, list[data_pb2.QuoteTick]] = {}
    for m in got:
        assert m.message.content_type == QUOTE_CONTENT_TYPE
        q = data_pb2.QuoteTick.FromString(m.payload)
        symbol, venue = q.instrument_id.split(".")
        assert m.topic == f"data.quotes.{venue}.{symbol}" and m.message.ordering_key == q.instrument_id
        assert m.message.ts_event == q.ts_event and m.message.id
        received.setdefault(q.instrument_id, []).append(q)
    assert set(received) == set(expected) == {f"{s}.{v}" for v in ("BINANCE", "BYBIT", "OKX") for s in ("BTCUSDT", "ETHUSDT")} | {
        "BTCUSD.COINBASE", "ETHUSD.COINBASE"}
    for iid, quotes in expected.items():  # same prices and sizes, exactly, in publish order
        strip = [(q.bid_price, q.bid_size, q.ask_price, q.ask_size) for q in quotes]
        assert [(q.bid_price, q.bid_size, q.ask_price, q.ask_size) for q in received[iid]] == strip, iid
        if not iid.endswith(".BINANCE"):
            assert [q.ts_event for q in received[iid]] == [q.ts_event for q in quotes]


async def test_replay_cli_websocket_url_dry_run() -> None:
    async with ReplayServer(SAMPLES / "coinbase.jsonl") as server:
        rc, out, err = await run_cli("--venue", "coinbase", "--url", server.url, "--symbols", "BTC-USD,ETH-USD",
                                     "--dry-run", "--print")
    assert rc == 0, err
    assert out.count("QuoteTick") + out.count("TradeTick") == 22
    assert 'instrument_id: "BTCUSD.COINBASE"' in out
    assert "messages=31 parsed=22 ignored=6 malformed=3 ticks=22 published=0" in out
    assert json.loads(server.received[0]) == {"type": "subscribe", "product_ids": ["BTC-USD", "ETH-USD"],
                                              "channels": ["ticker", "matches", "heartbeat"]}


async def test_replay_cli_without_gateway_fails_clearly(tmp_path: Path) -> None:
    rc, out, err = await run_cli("--venue", "okx", "--file", "samples/okx.jsonl", "--endpoint", "127.0.0.1:1",
                                 "--connect-timeout", "1.5")
    assert rc == 2 and "no gateway answered" in err
    rc, _, err = await run_cli("--venue", "okx", "--file", str(tmp_path / "missing.jsonl"), "--dry-run")
    assert rc == 2 and "no such file" in err
