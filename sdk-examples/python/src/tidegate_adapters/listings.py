"""Venue instrument listings, in each venue's native REST format, to ``InstrumentDefinition``
messages with the canonical key filled in; published on ``data.instruments.<VENUE>`` (ordering key
= the native id).

Parsers are pure functions ``parse_<venue>(document, segment=None) -> Listing`` over the JSON body
(numbers as ``decimal.Decimal``, see :func:`_common.loads`): Binance exchangeInfo (spot, USDⓈ-M,
COIN-M), OKX ``/api/v5/public/instruments``, Bybit ``/v5/market/instruments-info``, Coinbase
Exchange ``/products``, Kraken ``/0/public/AssetPairs``, Deribit ``public/get_instruments``, BitMEX
``/api/v1/instrument``. A row that cannot be read is skipped and named in ``Listing.skipped``;
a body of the wrong shape raises :class:`MalformedMessage`.

    python -m tidegate_adapters.listings parse --venue okx --file instruments.json
    python -m tidegate_adapters.listings publish --venue okx --file instruments.json --endpoint 127.0.0.1:7400
    python -m tidegate_adapters.listings publish --venue binance --venue-name BINANCEUSDM --file fapi.json
    python -m tidegate_adapters.listings evaluate --data DIR

``publish --venue-name NAME`` publishes on ``data.instruments.<NAME>`` with ``NAME`` as the
definitions' venue (the rows are still read by ``--venue``'s rules): a venue that uses one id in
two segments (Binance spot and USDⓈ-M) is kept apart by publishing one of them under another name.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import decimal
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tidegate import TidegateClient, TidegateError, pb
from tidegate.market.v1 import data_pb2
from ._common import MalformedMessage, instrument_id, iso_to_ns, loads, now_ns, to_decimal
from .connection import add_connection_flags, check_connection_flags, client_options
from .instrument_key import InstrumentKey, Kind, currency, day_from_ddmmmyy, day_from_ms
from .venue_name import add_venue_name_flag, renamed

INSTRUMENT_CONTENT_TYPE = "application/x-protobuf; type=tidegate.market.v1.InstrumentDefinition"
LINEAR, INVERSE, QUANTO = data_pb2.CONTRACT_TYPE_LINEAR, data_pb2.CONTRACT_TYPE_INVERSE, data_pb2.CONTRACT_TYPE_QUANTO


@dataclass
class Listing:
    """What one listing body gave: the definitions, and each row skipped with the reason."""

    venue: str
    definitions: list[data_pb2.InstrumentDefinition] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Row:
    """The parts of one market a venue parser extracts before the common assembly."""

    native_id: str
    segment: str
    key: InstrumentKey
    status: int
    contract_type: int = data_pb2.CONTRACT_TYPE_UNSPECIFIED
    tick: Any = None
    step: Any = None
    min_size: Any = None
    min_notional: Any = None
    contract_size: Any = None
    contract_value_currency: str = ""
    expiry_ns: int = 0
    aliases: tuple[str, ...] = ()
    native_base: str = ""
    native_quote: str = ""


def _dec(value: Any, name: str) -> Any:
    """A Decimal message, or None for an absent / empty venue field."""
    if value is None or value == "":
        return None
    return to_decimal(value, name)


def _definition(venue: str, row: _Row, ts_init: int) -> data_pb2.InstrumentDefinition:
    k = row.key
    d = data_pb2.InstrumentDefinition(
        instrument_id=instrument_id(row.native_id, venue), raw_symbol=row.native_id, asset_class="CRYPTO",
        base_currency=k.base, quote_currency=k.quote, settle_currency=k.settle, venue=venue,
        segment=row.segment, kind=k.kind.value, expiry_day=k.expiry.isoformat() if k.expiry else "",
        expiry_ts=row.expiry_ns, option_right={"C": data_pb2.OPTION_RIGHT_CALL, "P": data_pb2.OPTION_RIGHT_PUT}.get(
            k.right, data_pb2.OPTION_RIGHT_UNSPECIFIED), contract_value_currency=row.contract_value_currency,
        contract_type=row.contract_type, canonical_key=str(k), aliases=list(row.aliases), status=row.status,
        native_base=row.native_base, native_quote=row.native_quote, ts_init=ts_init)
    for name, value in (("price_increment", row.tick), ("size_increment", row.step), ("min_size", row.min_size),
                        ("min_notional", row.min_notional), ("contract_size", row.contract_size),
                        ("strike", str(k.strike) if k.strike is not None else None)):
        dec = _dec(value, name)
        if dec is not None:
            getattr(d, name).CopyFrom(dec)
    d.price_precision = d.price_increment.scale
    d.size_precision = d.size_increment.scale
    return d


def _collect(venue: str, rows: Any, read: Callable[[dict[str, Any]], _Row | None], ts_init: int | None,
             id_field: str) -> Listing:
    if not isinstance(rows, list):
        raise MalformedMessage(f"{venue}: expected a list of instruments, got {type(rows).__name__}")
    ts = ts_init or now_ns()
    out = Listing(venue)
    for raw in rows:
        native = str(raw.get(id_field, "?")) if isinstance(raw, dict) else "?"
        try:
            if not isinstance(raw, dict):
                raise MalformedMessage("row is not an object")
            row = read(raw)
            if row is None:
                out.skipped.append((native, "not an instrument this adapter lists"))
                continue
            out.definitions.append(_definition(venue, row, ts))
        except (MalformedMessage, KeyError, ValueError, TypeError, decimal.InvalidOperation) as e:
            out.skipped.append((native, f"{type(e).__name__}: {e}"))
    return out


def _body(doc: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(doc, dict) or p not in doc:
            raise MalformedMessage(f"listing body lacks {'.'.join(path)}")
        doc = doc[p]
    return doc


def _filters(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f.get("filterType"): f for f in row.get("filters", []) if isinstance(f, dict)}


# --- Binance ---------------------------------------------------------------------------------

def parse_binance(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """exchangeInfo of spot (``/api/v3``), USDⓈ-M (``/fapi/v1``) or COIN-M (``/dapi/v1``); the
    segment is read from the rows (``contractType``; ``contractSize`` marks COIN-M) unless given."""

    def read(r: dict[str, Any]) -> _Row:
        f = _filters(r)
        native, base, quote = r["symbol"], currency(r["baseAsset"]), currency(r["quoteAsset"])
        contract_type = r.get("contractType")
        seg = segment or ("spot" if contract_type is None else "inverse" if "contractSize" in r else "linear")
        status_text = r.get("status") or r.get("contractStatus")
        status = {"TRADING": data_pb2.INSTRUMENT_STATUS_TRADING, "BREAK": data_pb2.INSTRUMENT_STATUS_HALTED,
                  "HALT": data_pb2.INSTRUMENT_STATUS_HALTED, "PENDING_TRADING": data_pb2.INSTRUMENT_STATUS_HALTED,
                  "PRE_TRADING": data_pb2.INSTRUMENT_STATUS_HALTED}.get(status_text, data_pb2.INSTRUMENT_STATUS_DELISTED)
        lot, price = f.get("LOT_SIZE", {}), f.get("PRICE_FILTER", {})
        notional = f.get("MIN_NOTIONAL") or f.get("NOTIONAL") or {}
        common = dict(native_id=native, segment=seg, status=status, tick=price.get("tickSize"),
                      step=lot.get("stepSize"), min_size=lot.get("minQty"),
                      min_notional=notional.get("minNotional") or notional.get("notional"),
                      native_base=r["baseAsset"], native_quote=r["quoteAsset"])
        if seg == "spot":
            return _Row(key=InstrumentKey(base, quote), **common)
        settle = currency(r.get("marginAsset") or (base if seg == "inverse" else quote))
        inverse = seg == "inverse"
        if contract_type == "PERPETUAL":
            key = InstrumentKey(base, quote, Kind.PERPETUAL, settle)
            expiry_ns = 0
        else:
            day = day_from_ms(r["deliveryDate"])
            key = InstrumentKey(base, quote, Kind.FUTURE, settle, day)
            expiry_ns = int(r["deliveryDate"]) * 1_000_000
        return _Row(key=key, contract_type=INVERSE if inverse else LINEAR,
                    contract_size=r.get("contractSize", 1), contract_value_currency=quote if inverse else base,
                    expiry_ns=expiry_ns, **common)

    return _collect("BINANCE", _body(doc, "symbols"), read, ts_init, "symbol")


# --- OKX -------------------------------------------------------------------------------------

_OKX_STATUS = {"live": data_pb2.INSTRUMENT_STATUS_TRADING, "suspend": data_pb2.INSTRUMENT_STATUS_HALTED,
               "preopen": data_pb2.INSTRUMENT_STATUS_HALTED, "test": data_pb2.INSTRUMENT_STATUS_HALTED,
               "expired": data_pb2.INSTRUMENT_STATUS_DELISTED}


def parse_okx(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """``/api/v5/public/instruments`` for instType SPOT, SWAP, FUTURES or OPTION (``{"code":"0","data":[...]}``)."""

    def read(r: dict[str, Any]) -> _Row | None:
        native, inst = r["instId"], r["instType"]
        status = _OKX_STATUS.get(r.get("state", ""), data_pb2.INSTRUMENT_STATUS_UNSPECIFIED)
        common = dict(native_id=native, status=status, tick=r.get("tickSz"), step=r.get("lotSz"),
                      min_size=r.get("minSz"))
        if inst in ("SPOT", "MARGIN"):
            base, quote = currency(r["baseCcy"], "OKX"), currency(r["quoteCcy"], "OKX")
            return _Row(segment=segment or "spot", key=InstrumentKey(base, quote), native_base=r["baseCcy"],
                        native_quote=r["quoteCcy"], **common)
        family = r.get("instFamily") or r["uly"]
        native_base, _, native_quote = family.partition("-")
        base, quote, settle = (currency(c, "OKX") for c in (native_base, native_quote, r["settleCcy"]))
        ct = r.get("ctType", "")
        contract_type = LINEAR if ct == "linear" else INVERSE if ct == "inverse" else (
            INVERSE if settle == base else LINEAR if settle == quote else QUANTO)
        seg = segment or ("option" if inst == "OPTION" else "inverse" if contract_type == INVERSE else "linear")
        exp = r.get("expTime") or ""
        expiry = day_from_ms(exp) if exp else None
        if inst == "SWAP":
            key = InstrumentKey(base, quote, Kind.PERPETUAL, settle)
        elif inst == "FUTURES":
            key = InstrumentKey(base, quote, Kind.FUTURE, settle, expiry)
        elif inst == "OPTION":
            key = InstrumentKey(base, quote, Kind.OPTION, settle, expiry, decimal.Decimal(str(r["stk"])),
                                r["optType"])
        else:
            return None
        return _Row(segment=seg, key=key, contract_type=contract_type, contract_size=r.get("ctVal"),
                    contract_value_currency=currency(r.get("ctValCcy", "")), expiry_ns=int(exp) * 1_000_000 if exp else 0,
                    aliases=(r["alias"],) if r.get("alias") else (), native_base=native_base,
                    native_quote=native_quote, **common)

    if isinstance(doc, dict) and str(doc.get("code", "0")) != "0":
        raise MalformedMessage(f"okx: error {doc.get('code')}: {doc.get('msg')}")
    return _collect("OKX", _body(doc, "data"), read, ts_init, "instId")


# --- Bybit -----------------------------------------------------------------------------------

def parse_bybit(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """``/v5/market/instruments-info`` (``{"retCode":0,"result":{"category":...,"list":[...]}}``)."""
    result = _body(doc, "result")
    category = segment or result.get("category") or ""

    def read(r: dict[str, Any]) -> _Row | None:
        native = r["symbol"]
        base, quote = currency(r["baseCoin"]), currency(r["quoteCoin"])
        status = {"Trading": data_pb2.INSTRUMENT_STATUS_TRADING, "PreLaunch": data_pb2.INSTRUMENT_STATUS_HALTED,
                  "Settling": data_pb2.INSTRUMENT_STATUS_HALTED, "Delivering": data_pb2.INSTRUMENT_STATUS_HALTED,
                  "Closed": data_pb2.INSTRUMENT_STATUS_DELISTED}.get(r.get("status", ""),
                                                                     data_pb2.INSTRUMENT_STATUS_UNSPECIFIED)
        lot, price = r.get("lotSizeFilter") or {}, r.get("priceFilter") or {}
        common = dict(native_id=native, segment=category, status=status, tick=price.get("tickSize"),
                      step=lot.get("qtyStep") or lot.get("basePrecision"), min_size=lot.get("minOrderQty"),
                      min_notional=lot.get("minNotionalValue") or lot.get("minOrderAmt"),
                      native_base=r["baseCoin"], native_quote=r["quoteCoin"])
        if category == "spot":
            return _Row(key=InstrumentKey(base, quote), **common)
        settle = currency(r.get("settleCoin") or (base if category == "inverse" else quote))
        delivery = int(r.get("deliveryTime") or 0)
        expiry = day_from_ms(delivery) if delivery else None
        expiry_ns = delivery * 1_000_000
        if category == "option":
            # BTC-30MAY25-70000-C(-USDT): ccxt quotes Bybit options in their settle coin
            parts = native.split("-")
            key = InstrumentKey(base, settle, Kind.OPTION, settle, expiry or day_from_ddmmmyy(parts[1]),
                                decimal.Decimal(parts[2]), parts[3])
            return _Row(key=key, contract_type=LINEAR, contract_size=1, contract_value_currency=base,
                        expiry_ns=expiry_ns, **common)
        inverse = category == "inverse"
        contract_type = str(r.get("contractType", ""))
        perpetual = contract_type.endswith("Perpetual") or (not contract_type and not delivery)
        kind = Kind.PERPETUAL if perpetual else Kind.FUTURE
        key = InstrumentKey(base, quote, kind, settle, None if perpetual else expiry)
        return _Row(key=key, contract_type=INVERSE if inverse else LINEAR, contract_size=1,
                    contract_value_currency=quote if inverse else base, expiry_ns=0 if perpetual else expiry_ns, **common)

    if isinstance(doc, dict) and doc.get("retCode", 0) != 0:
        raise MalformedMessage(f"bybit: error {doc.get('retCode')}: {doc.get('retMsg')}")
    return _collect("BYBIT", _body(result, "list"), read, ts_init, "symbol")


# --- Coinbase --------------------------------------------------------------------------------

def parse_coinbase(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """Coinbase Exchange ``/products`` (a JSON array of products)."""

    def read(r: dict[str, Any]) -> _Row:
        status = data_pb2.INSTRUMENT_STATUS_TRADING
        if r.get("trading_disabled") or r.get("cancel_only") or r.get("status") not in (None, "online"):
            status = data_pb2.INSTRUMENT_STATUS_DELISTED if r.get("status") == "delisted" else \
                data_pb2.INSTRUMENT_STATUS_HALTED
        return _Row(native_id=r["id"], segment=segment or "spot",
                    key=InstrumentKey(currency(r["base_currency"], "COINBASE"), currency(r["quote_currency"], "COINBASE")), status=status,
                    tick=r.get("quote_increment"), step=r.get("base_increment"), min_size=r.get("base_min_size"),
                    min_notional=r.get("min_market_funds"),
                    aliases=(r["display_name"],) if r.get("display_name") and r["display_name"] != r["id"] else (),
                    native_base=r["base_currency"], native_quote=r["quote_currency"])

    return _collect("COINBASE", doc, read, ts_init, "id")


# --- Kraken ----------------------------------------------------------------------------------

def kraken_currency(code: str) -> str:
    """Kraken asset codes: ``XXBT`` -> ``BTC``, ``ZUSD`` -> ``USD``, ``XXDG`` -> ``DOGE``; a four-letter
    code with the legacy X/Z class prefix loses it; ``.S``/``.M`` staking suffixes are kept."""
    c = code.upper()
    if len(c) == 4 and c[0] in "XZ" and c[1:].isalpha() and c not in ("ZEUS", "XCAD"):
        c = c[1:]
    return currency(c, "KRAKEN")


def parse_kraken(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """``/0/public/AssetPairs`` (``{"error":[],"result":{"XXBTZUSD":{...}}}``); dark-pool ``.d``
    pairs are skipped. ``altname`` and ``wsname`` become aliases; the currencies come from the
    ``wsname`` halves when present (``XBT/USD``), else from ``base``/``quote`` without the X/Z prefix."""
    if isinstance(doc, dict) and doc.get("error"):
        raise MalformedMessage(f"kraken: {doc['error']}")
    result = _body(doc, "result")
    if not isinstance(result, dict):
        raise MalformedMessage("kraken: result is not an object")
    rows = [dict(v, _id=k) for k, v in result.items() if isinstance(v, dict)]

    def read(r: dict[str, Any]) -> _Row | None:
        native = r["_id"]
        if native.endswith(".d"):
            return None
        ws = r.get("wsname") or ""
        if "/" in ws:
            b, _, q = ws.partition("/")
            base, quote = currency(b, "KRAKEN"), currency(q, "KRAKEN")
        else:
            base, quote = kraken_currency(r["base"]), kraken_currency(r["quote"])
        status = {"online": data_pb2.INSTRUMENT_STATUS_TRADING, "cancel_only": data_pb2.INSTRUMENT_STATUS_HALTED,
                  "post_only": data_pb2.INSTRUMENT_STATUS_HALTED, "limit_only": data_pb2.INSTRUMENT_STATUS_HALTED,
                  "reduce_only": data_pb2.INSTRUMENT_STATUS_HALTED}.get(r.get("status", "online"),
                                                                        data_pb2.INSTRUMENT_STATUS_DELISTED)
        lot_decimals = r.get("lot_decimals")
        step = f"1E-{int(lot_decimals)}" if lot_decimals is not None else None
        tick = r.get("tick_size") or (f"1E-{int(r['pair_decimals'])}" if r.get("pair_decimals") is not None else None)
        aliases = tuple(dict.fromkeys(a for a in (r.get("altname"), ws) if a and a != native))
        return _Row(native_id=native, segment=segment or "spot", key=InstrumentKey(base, quote), status=status,
                    tick=tick, step=step, min_size=r.get("ordermin"), min_notional=r.get("costmin"),
                    aliases=aliases, native_base=r["base"], native_quote=r["quote"])

    return _collect("KRAKEN", rows, read, ts_init, "_id")


# --- Deribit ---------------------------------------------------------------------------------

def parse_deribit(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """``public/get_instruments`` (JSON-RPC ``{"result":[...]}``): futures, perpetuals, options,
    spot; combos are skipped."""

    def read(r: dict[str, Any]) -> _Row | None:
        native, kind = r["instrument_name"], r["kind"]
        if kind not in ("future", "option", "spot"):
            return None
        base, quote = currency(r["base_currency"]), currency(r.get("counter_currency") or r["quote_currency"])
        status = data_pb2.INSTRUMENT_STATUS_TRADING if r.get("is_active", True) else data_pb2.INSTRUMENT_STATUS_DELISTED
        common = dict(native_id=native, status=status, tick=r.get("tick_size"), min_size=r.get("min_trade_amount"),
                      step=r.get("min_trade_amount"), native_base=r["base_currency"], native_quote=r["quote_currency"])
        if kind == "spot":
            return _Row(segment=segment or "spot", key=InstrumentKey(base, quote), **common)
        settle = currency(r["settlement_currency"])
        inverse = r.get("instrument_type") == "reversed" or (r.get("instrument_type") is None and settle == base)
        seg = segment or ("option" if kind == "option" else "inverse" if inverse else "linear")
        exp = int(r["expiration_timestamp"])
        if r.get("settlement_period") == "perpetual":
            key, expiry_ns = InstrumentKey(base, quote, Kind.PERPETUAL, settle), 0
        elif kind == "future":
            key, expiry_ns = InstrumentKey(base, quote, Kind.FUTURE, settle, day_from_ms(exp)), exp * 1_000_000
        else:
            right = {"call": "C", "put": "P"}[r["option_type"]]
            key = InstrumentKey(base, quote, Kind.OPTION, settle, day_from_ms(exp), decimal.Decimal(str(r["strike"])), right)
            expiry_ns = exp * 1_000_000
        return _Row(segment=seg, key=key, contract_type=INVERSE if inverse else LINEAR,
                    contract_size=r.get("contract_size"), contract_value_currency=quote if inverse else base,
                    expiry_ns=expiry_ns, **common)

    return _collect("DERIBIT", _body(doc, "result"), read, ts_init, "instrument_name")


# --- BitMEX ----------------------------------------------------------------------------------

def bitmex_currency(code: str) -> str:
    """BitMEX settles in ``XBt`` (satoshi), ``USDt`` (micro-USDT), ``Gwei``: the currency they count."""
    return {"XBT": "BTC", "GWEI": "ETH", "MXBT": "BTC"}.get(code.upper(), currency(code))


def parse_bitmex(doc: Any, segment: str | None = None, ts_init: int | None = None) -> Listing:
    """``/api/v1/instrument`` (a JSON array). Perpetuals (typ ``FFWCSX``), futures (``FFCCSX``) and
    spot (``IFXXXP``); indices and other types are skipped. Quanto contracts (``isQuanto``) settle in
    a third currency."""

    def read(r: dict[str, Any]) -> _Row | None:
        native, typ = r["symbol"], r.get("typ", "")
        if typ not in ("FFWCSX", "FFCCSX", "IFXXXP"):
            return None
        base = bitmex_currency(r.get("underlying") or r["rootSymbol"])
        quote = bitmex_currency(r["quoteCurrency"])
        state = r.get("state", "")
        status = data_pb2.INSTRUMENT_STATUS_TRADING if state == "Open" else (
            data_pb2.INSTRUMENT_STATUS_DELISTED if state in ("Settled", "Closed", "Unlisted", "Expired")
            else data_pb2.INSTRUMENT_STATUS_HALTED)
        common = dict(native_id=native, status=status, tick=r.get("tickSize"), step=r.get("lotSize"),
                      min_size=r.get("lotSize"), native_base=r.get("underlying", ""), native_quote=r["quoteCurrency"])
        if typ == "IFXXXP":
            return _Row(segment=segment or "spot", key=InstrumentKey(base, quote), **common)
        settle = bitmex_currency(r["settlCurrency"])
        ct = QUANTO if r.get("isQuanto") else INVERSE if r.get("isInverse") else LINEAR
        seg = segment or {QUANTO: "quanto", INVERSE: "inverse", LINEAR: "linear"}[ct]
        if typ == "FFWCSX":
            key, expiry_ns = InstrumentKey(base, quote, Kind.PERPETUAL, settle), 0
        else:
            expiry_ns = iso_to_ns(r["expiry"], "expiry")
            day = datetime.datetime.fromtimestamp(expiry_ns // 1_000_000_000, datetime.UTC).date()
            key = InstrumentKey(base, quote, Kind.FUTURE, settle, day)
        aliases = (r["rootSymbol"],) if r.get("rootSymbol") and r["rootSymbol"] != native else ()
        return _Row(segment=seg, key=key, contract_type=ct, contract_size=_multiplier(r.get("multiplier")),
                    contract_value_currency=quote if ct == INVERSE else base, expiry_ns=expiry_ns,
                    aliases=aliases, **common)

    return _collect("BITMEX", doc, read, ts_init, "symbol")


def _multiplier(m: Any) -> Any:
    return None if m is None else abs(decimal.Decimal(str(m)))


PARSERS: dict[str, Callable[..., Listing]] = {
    "binance": parse_binance, "okx": parse_okx, "bybit": parse_bybit, "coinbase": parse_coinbase,
    "kraken": parse_kraken, "deribit": parse_deribit, "bitmex": parse_bitmex,
}


def parse_listing(venue: str, raw: str | bytes, segment: str | None = None, ts_init: int | None = None,
                  venue_name: str | None = None) -> Listing:
    """A listing body as the venue's REST API returns it, read by ``venue``'s rules; with
    ``venue_name`` the definitions (and their topic) name that venue instead of the venue's own
    (see :mod:`tidegate_adapters.venue_name`)."""
    try:
        parse = PARSERS[venue.lower()]
    except KeyError:
        raise ValueError(f"unknown venue {venue!r}; one of {', '.join(PARSERS)}") from None
    listing = parse(loads(raw), segment, ts_init)
    if venue_name:
        listing.venue = venue_name
        for d in listing.definitions:
            renamed(d, venue_name)
    return listing


def to_messages(listing: Listing) -> list[pb.Message]:
    """Gateway messages for a listing: ``data.instruments.<VENUE>``, ordering key = native id."""
    return [pb.Message(topic=f"data.instruments.{listing.venue}", priority=pb.PRIORITY_NORMAL, ordering_key=d.raw_symbol,
                       payload=d.SerializeToString(), content_type=INSTRUMENT_CONTENT_TYPE, ts_init=d.ts_init)
            for d in listing.definitions]


async def publish_listing(client: TidegateClient, listing: Listing, timeout: float = 30.0) -> int:
    """Publishes every definition and waits for the acknowledgements; returns how many."""
    futures = [client.publish(m) for m in to_messages(listing)]
    await client.flush(timeout)
    for f in futures:
        await f
    return len(futures)


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m tidegate_adapters.listings",
                                 description="Parse venue instrument listings; publish or evaluate them.")
    sub = ap.add_subparsers(dest="command", required=True)
    publish: argparse.ArgumentParser | None = None
    for name in ("parse", "publish"):
        p = sub.add_parser(name)
        p.add_argument("--venue", required=True, choices=sorted(PARSERS))
        p.add_argument("--file", type=Path, required=True, help="the venue's REST listing body (JSON)")
        p.add_argument("--segment", default=None, help="the venue's category when the body does not say it")
        if name == "publish":
            p.add_argument("--endpoint", action="append", default=[], help="gateway host:port (default 127.0.0.1:7400)")
            add_venue_name_flag(p)
            add_connection_flags(p)
            publish = p
    e = sub.add_parser("evaluate", help="canonical keys against a folder of known answers")
    e.add_argument("--data", type=Path, required=True, help="folder with <venue>.jsonl answer rows")
    args = ap.parse_args(argv)
    if args.command == "publish" and publish is not None:
        check_connection_flags(publish, args)
    return args


async def amain(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    if args.command == "evaluate":
        from .listings_eval import evaluate
        return evaluate(args.data)
    listing = parse_listing(args.venue, args.file.read_bytes(), args.segment,
                            venue_name=getattr(args, "venue_name", None))
    for native, reason in listing.skipped:
        print(f"skipped {native}: {reason}", file=sys.stderr)
    if args.command == "parse":
        for d in listing.definitions:
            print(json.dumps({"id": d.raw_symbol, "segment": d.segment, "key": d.canonical_key,
                              "aliases": list(d.aliases)}))
        return 0
    try:
        async with TidegateClient(args.endpoint or ["127.0.0.1:7400"], client_name="listings",
                                  **client_options(args)) as client:
            n = await publish_listing(client, listing)
    except TidegateError as ex:
        print(f"listings: {ex}", file=sys.stderr)
        return 2
    print(f"published {n} definitions on data.instruments.{listing.venue} ({len(listing.skipped)} skipped)")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(asyncio.run(amain(argv)))


if __name__ == "__main__":
    main()
