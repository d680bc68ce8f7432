"""Venue market-data adapters: parsers that turn public WebSocket payloads of Binance, Bybit, OKX
and Coinbase into ``tidegate.market.v1`` QuoteTick / TradeTick, the replay CLI
(``python -m tidegate_adapters.replay``), L2 books (:mod:`.books`), the reconnecting live mode
(:mod:`.live`) and instrument listings with canonical keys (:mod:`.listings`)."""
from ._common import (QUOTE_CONTENT_TYPE, TRADE_CONTENT_TYPE, Adapter, AdapterStats, MalformedMessage, Tick,
                      VenueParser, instrument_id, iso_to_ns, millis_to_ns, to_decimal, to_message, topic_for)
from .binance import BinanceParser
from .bybit import BybitParser
from .coinbase import CoinbaseParser
from .okx import OkxParser

PARSERS: dict[str, type] = {
    "binance": BinanceParser,
    "bybit": BybitParser,
    "okx": OkxParser,
    "coinbase": CoinbaseParser,
}


def parser_for(venue: str) -> VenueParser:
    try:
        return PARSERS[venue.lower()]()
    except KeyError:
        raise ValueError(f"unknown venue {venue!r}; one of {', '.join(PARSERS)}") from None


__all__ = [
    "Adapter", "AdapterStats", "MalformedMessage", "Tick", "VenueParser", "PARSERS", "parser_for",
    "BinanceParser", "BybitParser", "OkxParser", "CoinbaseParser", "to_decimal", "millis_to_ns", "iso_to_ns",
    "instrument_id", "to_message", "topic_for", "QUOTE_CONTENT_TYPE", "TRADE_CONTENT_TYPE",
]
