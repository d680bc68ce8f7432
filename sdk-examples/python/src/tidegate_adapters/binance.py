"""Binance public WebSocket: ``<symbol>@bookTicker`` and ``<symbol>@trade`` streams, raw or in the
combined-stream wrapper ``{"stream": ..., "data": ...}``.

bookTicker (spot): ``{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000",
"a":"25.36520000","A":"40.66000000"}``. Spot bookTicker carries no time, so ts_event is the receive
time; the futures variant (``"e":"bookTicker"``, ``"E"``, ``"T"``) uses ``T``.

trade: ``{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",
"T":1672515782136,"m":true,"M":true}``; ``m`` (buyer is the maker) means the seller was aggressor.
"""
from __future__ import annotations

import json

from tidegate.market.v1 import common_pb2, data_pb2
from ._common import MalformedMessage, Tick, instrument_id, load_object, log, millis_to_ns, now_ns, require, to_decimal

VENUE = "BINANCE"
_BOOK_TICKER_KEYS = {"u", "s", "b", "B", "a", "A"}


class BinanceParser:
    venue = VENUE

    def parse(self, raw: str | bytes, ts_init: int | None = None) -> list[Tick]:
        ts_init = ts_init or now_ns()
        msg = load_object(raw)
        stream = ""
        if "stream" in msg and "data" in msg:
            stream = str(msg["stream"])
            msg = msg["data"]
            if not isinstance(msg, dict):
                raise MalformedMessage("combined-stream data is not an object")
        if "id" in msg and ("result" in msg or "error" in msg):
            if msg.get("error"):
                log.warning("binance: request %s failed: %s", msg.get("id"), msg["error"])
            return []  # answer to SUBSCRIBE / LIST_SUBSCRIPTIONS
        event = msg.get("e")
        if event == "trade" or stream.endswith("@trade"):
            return [self._trade(msg, ts_init)]
        if event == "bookTicker" or stream.endswith("@bookTicker") or (event is None and "u" in msg and "s" in msg):
            return [self._quote(msg, ts_init)]
        if event is not None:
            return []  # another stream (aggTrade, depthUpdate, ...)
        raise MalformedMessage(f"not a Binance event: keys {sorted(msg)}")

    @staticmethod
    def _quote(m: dict, ts_init: int) -> data_pb2.QuoteTick:
        missing = _BOOK_TICKER_KEYS - m.keys()
        if missing:
            raise MalformedMessage(f"bookTicker lacks {sorted(missing)}")
        ts = m.get("T") or m.get("E")
        return data_pb2.QuoteTick(
            instrument_id=instrument_id(m["s"], VENUE),
            bid_price=to_decimal(m["b"], "b"), bid_size=to_decimal(m["B"], "B"),
            ask_price=to_decimal(m["a"], "a"), ask_size=to_decimal(m["A"], "A"),
            ts_event=millis_to_ns(ts, "T") if ts is not None else ts_init, ts_init=ts_init)

    @staticmethod
    def _trade(m: dict, ts_init: int) -> data_pb2.TradeTick:
        maker = require(m, "m")
        if not isinstance(maker, bool):
            raise MalformedMessage(f"m: expected true/false, got {maker!r}")
        return data_pb2.TradeTick(
            instrument_id=instrument_id(require(m, "s"), VENUE),
            price=to_decimal(require(m, "p"), "p"), size=to_decimal(require(m, "q"), "q"),
            aggressor_side=common_pb2.AGGRESSOR_SIDE_SELLER if maker else common_pb2.AGGRESSOR_SIDE_BUYER,
            trade_id=str(require(m, "t")),
            ts_event=millis_to_ns(require(m, "T"), "T"), ts_init=ts_init)

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        params = [f"{s.lower()}@{k}" for s in symbols for k in ("bookTicker", "trade")]
        return [json.dumps({"method": "SUBSCRIBE", "params": params, "id": 1})]

    def keepalive(self) -> tuple[float, str] | None:
        return None  # Binance pings; the websockets library answers
