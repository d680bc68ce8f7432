"""The canonical instrument key in the ccxt unified form (the same as the Java
``io.tidegate.intelligence.instrument.InstrumentKey``): ``BTC/USDT`` (spot), ``BTC/USDT:USDT``
(perpetual), ``BTC/USD:BTC-250328`` (future), ``BTC/USD:BTC-250328-100000-C`` (option).

Immutable values; safe to share between tasks and threads.
"""
from __future__ import annotations

import datetime
import decimal
import enum
import re
from dataclasses import dataclass

from tidegate.market.v1 import data_pb2

# Venues' legacy or local codes for a currency everyone else names otherwise (ccxt's common codes).
CURRENCY_ALIASES: dict[str, str] = {"XBT": "BTC", "XDG": "DOGE", "BCHSV": "BSV"}
# Renames a single venue made, as the venue documents them (its old code kept in its ids).
VENUE_CURRENCY_ALIASES: dict[str, dict[str, str]] = {
    "COINBASE": {"CGLD": "CELO"},
    "KRAKEN": {"REPV2": "REP"},
    "OKX": {"AE": "AET"},
}
_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DDMMMYY = re.compile(r"(\d{1,2})([A-Z]{3})(\d{2})")


class Kind(enum.Enum):
    SPOT = data_pb2.INSTRUMENT_KIND_SPOT
    PERPETUAL = data_pb2.INSTRUMENT_KIND_PERPETUAL
    FUTURE = data_pb2.INSTRUMENT_KIND_FUTURE
    OPTION = data_pb2.INSTRUMENT_KIND_OPTION


def currency(code: str, venue: str = "") -> str:
    """A venue's currency code in common form: upper case, ``XBT`` -> ``BTC``, ``XDG`` -> ``DOGE``,
    and the venue's own renames."""
    c = code.strip().upper()
    c = VENUE_CURRENCY_ALIASES.get(venue.upper(), {}).get(c, c)
    return CURRENCY_ALIASES.get(c, c)


def day_from_ms(ms: int | str | decimal.Decimal) -> datetime.date:
    """The UTC day of a Unix-milliseconds expiry."""
    return datetime.datetime.fromtimestamp(int(ms) / 1000, datetime.UTC).date()


def day_from_ddmmmyy(text: str) -> datetime.date:
    """``28MAR25`` / ``3JAN23`` (Deribit, Bybit options) -> 2025-03-28."""
    m = _DDMMMYY.fullmatch(text.upper())
    if m is None or m.group(2) not in _MONTHS:
        raise ValueError(f"{text!r} is not a DDMMMYY day")
    return datetime.date(2000 + int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))


def day_from_yymmdd(text: str) -> datetime.date:
    """``250328`` -> 2025-03-28."""
    if len(text) != 6 or not text.isdigit():
        raise ValueError(f"{text!r} is not a YYMMDD day")
    return datetime.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))


def plain(d: decimal.Decimal) -> str:
    """``Decimal('25000.0')`` -> ``25000``; ``Decimal('2.50')`` -> ``2.5`` (as ccxt writes strikes)."""
    return format(d.normalize(), "f")


@dataclass(frozen=True)
class InstrumentKey:
    """What an instrument is, whatever venue lists it. ``settle`` is empty for spot."""

    base: str
    quote: str
    kind: Kind = Kind.SPOT
    settle: str = ""
    expiry: datetime.date | None = None
    strike: decimal.Decimal | None = None
    right: str = ""  # "C" or "P" for options

    def __post_init__(self) -> None:
        if not self.base or not self.quote:
            raise ValueError("an instrument key needs a base and a quote")
        if (self.kind is Kind.SPOT) != (not self.settle):
            raise ValueError(f"{self.kind.name}: settle must be {'empty' if self.kind is Kind.SPOT else 'given'}")
        if (self.kind in (Kind.FUTURE, Kind.OPTION)) != (self.expiry is not None):
            raise ValueError(f"{self.kind.name}: expiry {'required' if self.expiry is None else 'not allowed'}")
        if (self.kind is Kind.OPTION) != (self.strike is not None and self.right in ("C", "P")):
            raise ValueError("an option, and only an option, has a strike and a right C or P")

    def __str__(self) -> str:
        s = f"{self.base}/{self.quote}"
        if self.kind is Kind.SPOT:
            return s
        s += f":{self.settle}"
        if self.expiry is not None:
            s += "-" + self.expiry.strftime("%y%m%d")
        if self.strike is not None:
            s += f"-{plain(self.strike)}-{self.right}"
        return s
