"""OKX v5 public WebSocket: ``tickers`` and ``trades`` channels.

tickers: ``{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT",
"last":"9999.99","lastSz":"0.1","askPx":"9999.99","askSz":"11","bidPx":"8888.88","bidSz":"5",...,
"ts":"1597026383085"}]}``. An item with an empty bid or ask (no book) yields no quote.

trades: ``{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474",
"px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897","count":"3"}]}``; ``side`` is
the taker side. ``BTC-USDT`` becomes ``BTCUSDT.OKX``. Events (``{"event":"subscribe",...}``) and
the text ``pong`` are ignored.
"""
from __future__ import annotations

import json

from tidegate.market.v1 import common_pb2, data_pb2
from ._common import MalformedMessage, Tick, instrument_id, load_object, log, millis_to_ns, now_ns, require, to_decimal

VENUE = "OKX"


class OkxParser:
    venue = VENUE

    def parse(self, raw: str | bytes, ts_init: int | None = None) -> list[Tick]:
        ts_init = ts_init or now_ns()
        if (raw.strip() if isinstance(raw, str) else raw.strip().decode("utf-8", "replace")) == "pong":
            return []
        msg = load_object(raw)
        if "event" in msg:
            if msg["event"] == "error":
                log.warning("okx: error %s: %s", msg.get("code"), msg.get("msg"))
            return []  # subscribe / unsubscribe / error / channel-conn-count
        channel = require(require(msg, "arg"), "channel")
        data = require(msg, "data")
        if not isinstance(data, list):
            raise MalformedMessage("data is not a list")
        if channel == "tickers":
            return [q for item in data if (q := self._quote(item, ts_init)) is not None]
        if channel == "trades":
            return [self._trade(item, ts_init) for item in data]
        return []

    @staticmethod
    def _quote(d: dict, ts_init: int) -> data_pb2.QuoteTick | None:
        fields = [require(d, k) for k in ("bidPx", "bidSz", "askPx", "askSz")]
        if any(f == "" for f in fields):
            return None  # one side of the book is empty
        return data_pb2.QuoteTick(
            instrument_id=instrument_id(require(d, "instId"), VENUE),
            bid_price=to_decimal(fields[0], "bidPx"), bid_size=to_decimal(fields[1], "bidSz"),
            ask_price=to_decimal(fields[2], "askPx"), ask_size=to_decimal(fields[3], "askSz"),
            ts_event=millis_to_ns(require(d, "ts"), "ts"), ts_init=ts_init)

    @staticmethod
    def _trade(d: dict, ts_init: int) -> data_pb2.TradeTick:
        side = require(d, "side")
        if side not in ("buy", "sell"):
            raise MalformedMessage(f"side: expected buy or sell, got {side!r}")
        return data_pb2.TradeTick(
            instrument_id=instrument_id(require(d, "instId"), VENUE),
            price=to_decimal(require(d, "px"), "px"), size=to_decimal(require(d, "sz"), "sz"),
            aggressor_side=common_pb2.AGGRESSOR_SIDE_BUYER if side == "buy" else common_pb2.AGGRESSOR_SIDE_SELLER,
            trade_id=str(require(d, "tradeId")), ts_event=millis_to_ns(require(d, "ts"), "ts"), ts_init=ts_init)

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        args = [{"channel": c, "instId": s} for s in symbols for c in ("tickers", "trades")]
        return [json.dumps({"op": "subscribe", "args": args})]

    def keepalive(self) -> tuple[float, str] | None:
        return 20.0, "ping"
