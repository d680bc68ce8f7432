"""Evaluates the adapters' canonical keys against a folder of known answers.

The folder holds one ``<venue>.jsonl`` per venue, one market a line, with the native
``{venue, segment, id, alt_ids}`` and the known ccxt ``symbol``. Such rows carry the venue's ids,
not the full REST bodies the listing parsers read, so the evaluation measures the part of a listing
that every row has: the canonical key read from ``(segment, id, aliases)`` by each venue's own
naming rules (:func:`key_from_native_id`). Precision = correct / keyed; recall = correct / rows.
"""
from __future__ import annotations

import calendar
import datetime
import decimal
import json
import re
from collections.abc import Sequence
from pathlib import Path

from .instrument_key import InstrumentKey, Kind, currency, day_from_ddmmmyy, day_from_yymmdd
from .listings import bitmex_currency, kraken_currency

VENUES = ("binance", "okx", "bybit", "coinbase", "kraken", "deribit", "bitmex")
# Quote currencies a glued id (BTCUSDT) can end with, longest first.
_QUOTES = sorted({"USDT", "BUSD", "USDC", "TUSD", "FDUSD", "USDP", "USDS", "DAI", "UST", "PAX", "BTC", "ETH",
                  "BNB", "EUR", "GBP", "AUD", "TRY", "BRL", "RUB", "UAH", "NGN", "BIDR", "IDRT", "ZAR", "BVND",
                  "VAI", "XRP", "TRX", "DOGE", "DOT", "USD", "JPY", "CAD", "CHF", "GYEN", "PLN", "RON", "ARS",
                  "KRW", "BKRW", "XBT"}, key=len, reverse=True)
_MONTH_CODES = {c: i for i, c in enumerate("FGHJKMNQUVXZ", start=1)}


def split_glued(native: str) -> tuple[str, str] | None:
    """``BTCUSDT`` -> (BTC, USDT): the longest known quote suffix that leaves a base."""
    for q in _QUOTES:
        if native.endswith(q) and len(native) > len(q):
            return native[: -len(q)], q
    return None


def last_friday(year: int, month: int) -> datetime.date:
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    return last - datetime.timedelta(days=(last.weekday() - 4) % 7)


def _derivative(seg: str, base: str, quote: str, kind: Kind, expiry: datetime.date | None = None,
                strike: decimal.Decimal | None = None, right: str = "") -> InstrumentKey:
    base, quote = currency(base), currency(quote)
    if seg == "inverse" or (seg == "option" and quote == "USD"):
        settle = base
    else:
        settle = quote
    return InstrumentKey(base, quote, kind, settle, expiry, strike, right)


def _binance(seg: str, native: str, _alt: Sequence[str]) -> InstrumentKey | None:
    head, _, tail = native.partition("_")
    # COIN-M contracts are all quoted in USD
    parts = (head[:-3], "USD") if seg == "inverse" and head.endswith("USD") else split_glued(head)
    if parts is None:
        return None
    if seg == "spot":
        return InstrumentKey(currency(parts[0]), currency(parts[1]))
    if tail in ("", "PERP"):
        return _derivative(seg, *parts, Kind.PERPETUAL)
    return _derivative(seg, *parts, Kind.FUTURE, day_from_yymmdd(tail))


def _dashed(seg: str, native: str, _alt: Sequence[str], venue: str = "") -> InstrumentKey | None:
    """OKX and Coinbase: BASE-QUOTE[-SWAP | -YYMMDD[-STRIKE-C|P]]."""
    p = [currency(x, venue) for x in native.split("-")]
    if len(p) == 2:
        return InstrumentKey(currency(p[0]), currency(p[1]))
    if len(p) == 3 and p[2] == "SWAP":
        return _derivative(seg, p[0], p[1], Kind.PERPETUAL)
    if len(p) == 3:
        return _derivative(seg, p[0], p[1], Kind.FUTURE, day_from_yymmdd(p[2]))
    if len(p) == 5:
        return _derivative(seg, p[0], p[1], Kind.OPTION, day_from_yymmdd(p[2]), decimal.Decimal(p[3]), p[4])
    return None


def _bybit(seg: str, native: str, alt: Sequence[str]) -> InstrumentKey | None:
    if seg == "option":  # BTC-30MAY25-70000-C[-USDT]; USDC when no settle suffix
        p = native.split("-")
        settle = p[4] if len(p) == 5 else "USDC"
        return InstrumentKey(currency(p[0]), settle, Kind.OPTION, settle, day_from_ddmmmyy(p[1]),
                             decimal.Decimal(p[2]), p[3])
    m = re.fullmatch(r"(.+?)([FGHJKMNQUVXZ])(\d\d)", native) if seg == "inverse" else None
    if m and split_glued(m.group(1)):
        base, quote = split_glued(m.group(1))  # type: ignore[misc]
        return _derivative(seg, base, quote, Kind.FUTURE,
                           last_friday(2000 + int(m.group(3)), _MONTH_CODES[m.group(2)]))
    parts = split_glued(native)
    if parts is None:
        return None
    if seg == "spot":
        return InstrumentKey(currency(parts[0]), currency(parts[1]))
    return _derivative(seg, *parts, Kind.PERPETUAL)


def _kraken(seg: str, native: str, alt: Sequence[str]) -> InstrumentKey | None:
    ws = next((a for a in alt if "/" in a), None)
    if ws is not None:
        b, _, q = ws.partition("/")
        return InstrumentKey(currency(b, "KRAKEN"), currency(q, "KRAKEN"))
    if len(native) == 8 and native[0] in "XZ" and native[4] in "XZ":  # XXBTZUSD
        return InstrumentKey(kraken_currency(native[:4]), kraken_currency(native[4:]))
    parts = split_glued(native)
    return InstrumentKey(currency(parts[0]), currency(parts[1])) if parts else None


def _deribit(seg: str, native: str, _alt: Sequence[str]) -> InstrumentKey | None:
    p = native.split("-")
    base, _, quote = p[0].partition("_")
    quote = quote or "USD"
    if len(p) == 1:
        return InstrumentKey(currency(base), currency(quote))
    if p[1] == "PERPETUAL":
        return _derivative(seg, base, quote, Kind.PERPETUAL)
    expiry = day_from_ddmmmyy(p[1])
    if len(p) == 2:
        return _derivative(seg, base, quote, Kind.FUTURE, expiry)
    strike = decimal.Decimal(p[2].replace("d", "."))
    return _derivative(seg, base, quote, Kind.OPTION, expiry, strike, p[3])


def _bitmex(seg: str, native: str, _alt: Sequence[str]) -> InstrumentKey | None:
    m = re.fullmatch(r"(.+?)(?:([FGHJKMNQUVXZ])(\d\d))?", native)
    assert m is not None
    body = m.group(1)
    expiry = last_friday(2000 + int(m.group(3)), _MONTH_CODES[m.group(2)]) if m.group(2) else None
    kind = Kind.FUTURE if expiry else Kind.PERPETUAL
    # BitMEX quotes in USDT, USD, EUR or XBT only (no TUSD: XBTUSD is XBT/USD)
    parts = next(((body[: -len(q)], q) for q in ("USDT", "USD", "EUR") if body.endswith(q) and len(body) > len(q)), None)
    if parts is None:
        # a bare base: XBT futures are quoted in USD, every other base in XBT
        parts = (body, "USD" if bitmex_currency(body) == "BTC" else "XBT")
    base, quote = bitmex_currency(parts[0]), bitmex_currency(parts[1])
    if seg == "quanto":
        return InstrumentKey(base, quote, kind, "BTC", expiry)
    if seg == "spot":
        return InstrumentKey(base, quote)
    return _derivative(seg, base, quote, kind, expiry)


_READERS = {"binance": _binance, "okx": lambda s, n, a: _dashed(s, n, a, "OKX"),
            "coinbase": lambda s, n, a: _dashed(s, n, a, "COINBASE"), "bybit": _bybit, "kraken": _kraken,
            "deribit": _deribit, "bitmex": _bitmex}


def key_from_native_id(venue: str, segment: str, native: str, aliases: Sequence[str] = ()) -> InstrumentKey | None:
    """The canonical key of a venue's market from its native id by that venue's naming rules; None
    when the id does not read."""
    try:
        return _READERS[venue](segment, native.upper(), list(aliases))
    except (ValueError, KeyError, IndexError, decimal.InvalidOperation):
        return None


def evaluate(data: Path, venues: Sequence[str] = VENUES) -> int:
    """Prints per venue: rows, keyed, correct, precision, recall. Returns 0, or 2 when the folder
    holds none of the venues' files."""
    print(f"{'venue':<10} {'rows':>6} {'keyed':>6} {'correct':>8} {'precision':>9} {'recall':>7}")
    totals = [0, 0, 0]
    seen = 0
    for venue in venues:
        path = data / f"{venue}.jsonl"
        if not path.is_file():
            continue
        seen += 1
        rows = keyed = correct = 0
        misses: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            rows += 1
            key = key_from_native_id(venue, r["segment"], r["id"], r.get("alt_ids") or ())
            if key is None:
                misses.append(f"{r['id']} -> unread (want {r['symbol']})")
                continue
            keyed += 1
            if str(key) == r["symbol"]:
                correct += 1
            else:
                misses.append(f"{r['id']} -> {key} (want {r['symbol']})")
        totals = [totals[0] + rows, totals[1] + keyed, totals[2] + correct]
        print(f"{venue:<10} {rows:>6} {keyed:>6} {correct:>8} {_ratio(correct, keyed):>9} {_ratio(correct, rows):>7}")
        for miss in misses[:5]:
            print(f"    miss: {miss}")
    if not seen:
        print(f"no <venue>.jsonl of {', '.join(venues)} in {data}")
        return 2
    print(f"{'all':<10} {totals[0]:>6} {totals[1]:>6} {totals[2]:>8} {_ratio(totals[2], totals[1]):>9} "
          f"{_ratio(totals[2], totals[0]):>7}")
    return 0


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"
