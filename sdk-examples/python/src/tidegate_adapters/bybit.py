"""Bybit v5 public WebSocket: ``orderbook.1.<SYMBOL>`` (level 1, snapshot/delta) and
``publicTrade.<SYMBOL>``.

orderbook: ``{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT",
"b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],"u":18521288,"seq":7961638724},"cts":1672304484976}``.
A delta carries only the side(s) that changed (an empty list: no change); size "0" removes the level; ``u == 1`` is a
snapshot after a service restart. A QuoteTick is emitted whenever both sides are known;
ts_event is ``cts`` (matching engine time) when present, else ``ts``.

publicTrade: ``{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,
"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-...","BT":false}]}``;
``S`` is the taker side.
"""
from __future__ import annotations

import json

from tidegate.market.v1 import common_pb2, data_pb2
from ._common import MalformedMessage, Tick, instrument_id, load_object, log, millis_to_ns, now_ns, require, to_decimal

VENUE = "BYBIT"
Level = tuple[common_pb2.Decimal, common_pb2.Decimal] | None


class BybitParser:
    venue = VENUE

    def __init__(self) -> None:
        self._books: dict[str, list[Level]] = {}  # symbol -> [best bid, best ask]

    def parse(self, raw: str | bytes, ts_init: int | None = None) -> list[Tick]:
        ts_init = ts_init or now_ns()
        msg = load_object(raw)
        if "op" in msg or "success" in msg:
            if msg.get("success") is False:
                log.warning("bybit: %s failed: %s", msg.get("op"), msg.get("ret_msg"))
            return []  # subscribe ack, pong
        topic = require(msg, "topic")
        if not isinstance(topic, str):
            raise MalformedMessage(f"topic: expected a string, got {topic!r}")
        if topic.startswith("orderbook.1."):
            quote = self._book(msg, ts_init)
            return [quote] if quote is not None else []
        if topic.startswith("publicTrade."):
            return self._trades(msg, ts_init)
        return []  # another topic

    def _book(self, msg: dict, ts_init: int) -> data_pb2.QuoteTick | None:
        kind = require(msg, "type")
        data = require(msg, "data")
        symbol = require(data, "s")
        ts = msg.get("cts") or require(msg, "ts")
        ts_event = millis_to_ns(ts, "cts")
        sides: list[tuple[int, Level]] = []  # parsed fully before the book changes
        for index, key in ((0, "b"), (1, "a")):
            levels = data.get(key)
            if levels is None:
                continue
            if not isinstance(levels, list):
                raise MalformedMessage(f"{key}: expected a list of [price, size]")
            if not levels:
                if kind != "delta":
                    sides.append((index, None))  # a snapshot with an empty side; a delta: no change
                continue
            level = levels[0]
            if not isinstance(level, list) or len(level) != 2:
                raise MalformedMessage(f"{key}: expected [price, size], got {level!r}")
            px, sz = to_decimal(level[0], f"{key}.price"), to_decimal(level[1], f"{key}.size")
            sides.append((index, None if sz.units == 0 else (px, sz)))
        if kind == "snapshot" or data.get("u") == 1:
            book: list[Level] = [None, None]
            self._books[symbol] = book
        elif kind == "delta":
            book = self._books.get(symbol)
            if book is None:
                log.debug("bybit: orderbook delta for %s before its snapshot; ignored", symbol)
                return None
        else:
            raise MalformedMessage(f"type: expected snapshot or delta, got {kind!r}")
        for index, level in sides:
            book[index] = level
        bid, ask = book
        if bid is None or ask is None:
            return None
        return data_pb2.QuoteTick(instrument_id=instrument_id(symbol, VENUE), bid_price=bid[0], bid_size=bid[1],
                                  ask_price=ask[0], ask_size=ask[1], ts_event=ts_event, ts_init=ts_init)

    @staticmethod
    def _trades(msg: dict, ts_init: int) -> list[Tick]:
        data = require(msg, "data")
        if not isinstance(data, list):
            raise MalformedMessage("publicTrade data is not a list")
        ticks: list[Tick] = []
        for t in data:
            side = require(t, "S")
            if side not in ("Buy", "Sell"):
                raise MalformedMessage(f"S: expected Buy or Sell, got {side!r}")
            ticks.append(data_pb2.TradeTick(
                instrument_id=instrument_id(require(t, "s"), VENUE),
                price=to_decimal(require(t, "p"), "p"), size=to_decimal(require(t, "v"), "v"),
                aggressor_side=common_pb2.AGGRESSOR_SIDE_BUYER if side == "Buy" else common_pb2.AGGRESSOR_SIDE_SELLER,
                trade_id=str(require(t, "i")), ts_event=millis_to_ns(require(t, "T"), "T"), ts_init=ts_init))
        return ticks

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        args = [f"{k}.{s.upper()}" for s in symbols for k in ("orderbook.1", "publicTrade")]
        return [json.dumps({"op": "subscribe", "args": args})]

    def keepalive(self) -> tuple[float, str] | None:
        return 20.0, json.dumps({"op": "ping"})
