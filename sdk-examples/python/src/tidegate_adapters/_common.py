"""What every venue parser shares: exact decimals, timestamps, instrument ids, topics, counting."""
from __future__ import annotations

import calendar
import datetime
import decimal
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from tidegate import pb
from tidegate.market.v1 import common_pb2, data_pb2

log = logging.getLogger("tidegate_adapters")

Tick = data_pb2.QuoteTick | data_pb2.TradeTick
QUOTE_CONTENT_TYPE = "application/x-protobuf; type=tidegate.market.v1.QuoteTick"
TRADE_CONTENT_TYPE = "application/x-protobuf; type=tidegate.market.v1.TradeTick"

_INT64_MAX = 2**63 - 1
_MAX_SCALE = 18
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


class MalformedMessage(ValueError):
    """A venue message that claims to carry data but cannot be turned into ticks."""


def to_decimal(value: Any, field: str = "value") -> common_pb2.Decimal:
    """Exact fixed-point from a venue's decimal text: ``"65000.12"`` -> ``{units: 6500012, scale: 2}``.
    The scale the venue sent is kept (``"0.00100000"`` -> ``{100000, 8}``). Never goes through float;
    a JSON number is accepted only when it was parsed as ``decimal.Decimal`` or ``int``."""
    if isinstance(value, bool) or not isinstance(value, (str, int, decimal.Decimal)):
        raise MalformedMessage(f"{field}: expected a decimal string, got {type(value).__name__} {value!r}")
    text = str(value).strip()
    if not _DECIMAL_TEXT.fullmatch(text):
        raise MalformedMessage(f"{field}: {value!r} is not a decimal number")
    d = decimal.Decimal(text)
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    units = int("".join(map(str, digits)) or "0")
    if exponent >= 0:
        units *= 10**exponent
        scale = 0
    else:
        scale = -exponent
    if scale > _MAX_SCALE:
        raise MalformedMessage(f"{field}: {value!r} has more than {_MAX_SCALE} decimal places")
    if sign:
        units = -units
    if not -_INT64_MAX - 1 <= units <= _INT64_MAX:
        raise MalformedMessage(f"{field}: {value!r} does not fit a 64-bit fixed-point decimal")
    return common_pb2.Decimal(units=units, scale=scale)


def millis_to_ns(value: Any, field: str = "timestamp") -> int:
    """Unix milliseconds (int or digit string) to Unix nanoseconds."""
    if isinstance(value, bool):
        raise MalformedMessage(f"{field}: expected Unix milliseconds, got {value!r}")
    if isinstance(value, int):
        ms = value
    elif isinstance(value, str) and value.isdigit():
        ms = int(value)
    else:
        raise MalformedMessage(f"{field}: expected Unix milliseconds, got {value!r}")
    if ms <= 0:
        raise MalformedMessage(f"{field}: {value!r} is not a positive timestamp")
    return ms * 1_000_000


def iso_to_ns(value: Any, field: str = "time") -> int:
    """RFC 3339 (``2022-10-19T23:28:22.061769Z``) to Unix nanoseconds, exactly."""
    m = _ISO.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise MalformedMessage(f"{field}: expected an RFC 3339 time, got {value!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        datetime.datetime(y, mo, d, h, mi, s)
    except ValueError:
        raise MalformedMessage(f"{field}: {value!r} is not a valid time") from None
    seconds = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    frac = int((m.group(7) or "").ljust(9, "0"))
    tz = m.group(8)
    if tz != "Z":
        offset = (int(tz[1:3]) * 60 + int(tz[4:6])) * 60
        seconds -= offset if tz[0] == "+" else -offset
    return seconds * 1_000_000_000 + frac


def instrument_id(raw_symbol: Any, venue: str) -> str:
    """``BTC-USDT`` on OKX -> ``BTCUSDT.OKX``; ``BTC-USD`` on Coinbase -> ``BTCUSD.COINBASE``."""
    if not isinstance(raw_symbol, str):
        raise MalformedMessage(f"symbol: expected a string, got {raw_symbol!r}")
    symbol = raw_symbol.replace("-", "").replace("/", "").replace("_", "").upper()
    if not symbol or not symbol.isalnum() or not symbol.isascii():
        raise MalformedMessage(f"symbol: {raw_symbol!r} is not a venue symbol")
    return f"{symbol}.{venue}"


def require(obj: Any, key: str) -> Any:
    """``obj[key]``, or MalformedMessage naming what is missing."""
    if not isinstance(obj, dict):
        raise MalformedMessage(f"expected an object holding {key!r}, got {type(obj).__name__}")
    if key not in obj or obj[key] is None:
        raise MalformedMessage(f"field {key!r} is missing")
    return obj[key]


def loads(raw: str | bytes) -> Any:
    """JSON with every non-integer number as decimal.Decimal, so nothing passes through float."""
    try:
        return json.loads(raw, parse_float=decimal.Decimal)
    except (ValueError, TypeError) as e:
        raise MalformedMessage(f"not JSON: {e}") from None


def load_object(raw: str | bytes) -> dict[str, Any]:
    """A venue message: a JSON object, numbers as in :func:`loads`."""
    msg = loads(raw)
    if not isinstance(msg, dict):
        raise MalformedMessage(f"expected a JSON object, got {type(msg).__name__}")
    return msg


def now_ns() -> int:
    return time.time_ns()


class VenueParser(Protocol):
    """Turns one raw WebSocket message into ticks: ``[]`` for messages without market data
    (subscription acks, heartbeats, pongs); raises MalformedMessage for broken data."""

    venue: str

    def parse(self, raw: str | bytes, ts_init: int | None = None) -> list[Tick]: ...

    def subscribe_requests(self, symbols: list[str]) -> list[str]: ...


def topic_for(tick: Tick) -> str:
    """``data.quotes.<VENUE>.<SYMBOL>`` / ``data.trades.<VENUE>.<SYMBOL>``."""
    symbol, _, venue = tick.instrument_id.rpartition(".")
    kind = "quotes" if isinstance(tick, data_pb2.QuoteTick) else "trades"
    return f"data.{kind}.{venue}.{symbol}"


def to_message(tick: Tick) -> pb.Message:
    """The gateway message for a tick: topic by kind/venue/symbol, ordering key = instrument id."""
    is_quote = isinstance(tick, data_pb2.QuoteTick)
    return pb.Message(
        topic=topic_for(tick),
        priority=pb.PRIORITY_NORMAL,
        ordering_key=tick.instrument_id,
        payload=tick.SerializeToString(),
        content_type=QUOTE_CONTENT_TYPE if is_quote else TRADE_CONTENT_TYPE,
        ts_event=tick.ts_event,
        ts_init=tick.ts_init,
    )


@dataclass
class AdapterStats:
    messages: int = 0
    parsed: int = 0  # messages that produced at least one tick
    ignored: int = 0  # acks, heartbeats, pongs, other channels
    malformed: int = 0
    ticks: int = 0
    published: int = 0  # ticks (and book batches, definitions) the gateway acknowledged
    publish_failed: int = 0
    books: int = 0  # OrderBookDeltas batches (replay --books)
    definitions: int = 0  # InstrumentDefinitions (replay --listing)

    def summary(self, venue: str) -> str:
        extra = (f" books={self.books}" if self.books else "") + \
            (f" definitions={self.definitions}" if self.definitions else "")
        return (f"{venue}: messages={self.messages} parsed={self.parsed} ignored={self.ignored} "
                f"malformed={self.malformed} ticks={self.ticks} published={self.published} "
                f"publish_failed={self.publish_failed}{extra}")


class Adapter:
    """Feeds raw messages to a venue parser, counting; malformed input is logged, never raised."""

    def __init__(self, parser: VenueParser, clock: Callable[[], int] = now_ns) -> None:
        self.parser = parser
        self.clock = clock
        self.stats = AdapterStats()

    def feed(self, raw: str | bytes) -> list[Tick]:
        self.stats.messages += 1
        try:
            ticks = self.parser.parse(raw, self.clock())
        except (MalformedMessage, KeyError, IndexError, TypeError, ValueError, AttributeError,
                decimal.InvalidOperation) as e:
            self.stats.malformed += 1
            shown = raw if len(raw) <= 200 else raw[:200] + ("..." if isinstance(raw, str) else b"...")
            log.warning("%s: malformed message #%d (%s): %r", self.parser.venue, self.stats.messages, e, shown)
            return []
        if ticks:
            self.stats.parsed += 1
            self.stats.ticks += len(ticks)
        else:
            self.stats.ignored += 1
        return ticks
