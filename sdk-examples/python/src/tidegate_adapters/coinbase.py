"""Coinbase Exchange WebSocket: ``ticker`` and ``matches`` channels.

ticker: ``{"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",...,
"best_bid":"1285.04","best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040",
"side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,"last_size":"11.4396987"}``.

match (and ``last_match``): ``{"type":"match","trade_id":10,"sequence":50,"maker_order_id":"...",
"taker_order_id":"...","time":"2014-11-07T08:19:27.028459Z","product_id":"BTC-USD","size":"5.23512",
"price":"400.23","side":"sell"}``; ``side`` is the maker's, so ``sell`` means a buyer was aggressor.
``subscriptions``, ``heartbeat`` and ``error`` messages are ignored. ``BTC-USD`` becomes
``BTCUSD.COINBASE``.
"""
from __future__ import annotations

import json

from tidegate.market.v1 import common_pb2, data_pb2
from ._common import MalformedMessage, Tick, instrument_id, iso_to_ns, load_object, log, now_ns, require, to_decimal

VENUE = "COINBASE"


class CoinbaseParser:
    venue = VENUE

    def parse(self, raw: str | bytes, ts_init: int | None = None) -> list[Tick]:
        ts_init = ts_init or now_ns()
        msg = load_object(raw)
        kind = require(msg, "type")
        if kind == "ticker":
            return [data_pb2.QuoteTick(
                instrument_id=instrument_id(require(msg, "product_id"), VENUE),
                bid_price=to_decimal(require(msg, "best_bid"), "best_bid"),
                bid_size=to_decimal(require(msg, "best_bid_size"), "best_bid_size"),
                ask_price=to_decimal(require(msg, "best_ask"), "best_ask"),
                ask_size=to_decimal(require(msg, "best_ask_size"), "best_ask_size"),
                ts_event=iso_to_ns(require(msg, "time")), ts_init=ts_init)]
        if kind in ("match", "last_match"):
            maker_side = require(msg, "side")
            if maker_side not in ("buy", "sell"):
                raise MalformedMessage(f"side: expected buy or sell, got {maker_side!r}")
            return [data_pb2.TradeTick(
                instrument_id=instrument_id(require(msg, "product_id"), VENUE),
                price=to_decimal(require(msg, "price"), "price"), size=to_decimal(require(msg, "size"), "size"),
                aggressor_side=common_pb2.AGGRESSOR_SIDE_BUYER if maker_side == "sell" else common_pb2.AGGRESSOR_SIDE_SELLER,
                trade_id=str(require(msg, "trade_id")), ts_event=iso_to_ns(require(msg, "time")), ts_init=ts_init)]
        if kind == "error":
            log.warning("coinbase: error %s (%s)", msg.get("message"), msg.get("reason"))
        return []  # subscriptions, heartbeat, error, other channels

    def subscribe_requests(self, symbols: list[str]) -> list[str]:
        return [json.dumps({"type": "subscribe", "product_ids": symbols, "channels": ["ticker", "matches", "heartbeat"]})]

    def keepalive(self) -> tuple[float, str] | None:
        return None
