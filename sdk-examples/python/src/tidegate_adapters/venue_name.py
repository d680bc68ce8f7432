"""``--venue-name``: the name a CLI publishes a venue under, in place of the venue's own.

Topics carry no segment (``data.quotes.<VENUE>.<SYMBOL>``), so where a venue uses one id in two
segments (Binance ``BTCUSDT`` spot and USDⓈ-M perpetual) the gateway cannot keep them apart under
one name. Publishing one segment under another name (``--venue binance --venue-name BINANCEUSDM``)
does: the name replaces the venue in every topic, instrument id and listing the command publishes,
while ``--venue`` still picks the parser and its format rules.

    ap = argparse.ArgumentParser(...)
    add_venue_name_flag(ap)
    ...
    client.publish(to_message(renamed(tick, args.venue_name)))

Plain functions over the messages they are given; no state, any thread.
"""
from __future__ import annotations

import argparse
import re
from typing import TypeVar

from tidegate.market.v1 import data_pb2

# the gateway takes 1-64 letters, digits, '_' or '-'; upper-case letters and digits are what the
# venues' own names use, so a renamed venue reads like one
_VENUE_NAME = re.compile(r"[A-Z0-9]{1,64}")

Named = TypeVar("Named", data_pb2.QuoteTick, data_pb2.TradeTick, data_pb2.OrderBookDeltas,
                data_pb2.InstrumentDefinition)


def venue_name(text: str) -> str:
    """argparse ``type`` of ``--venue-name``: 1-64 upper-case letters and digits."""
    if not _VENUE_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a venue name: use 1-64 upper-case letters and digits, e.g. BINANCEUSDM")
    return text


def add_venue_name_flag(ap: argparse.ArgumentParser) -> None:
    """Adds ``--venue-name NAME`` (default None: the venue's own name)."""
    ap.add_argument("--venue-name", type=venue_name, default=None, metavar="NAME",
                    help="publish under this venue name (upper-case letters and digits) instead of the venue's "
                         "own: it replaces the venue in every topic, instrument id and listing published, e.g. "
                         "--venue binance --venue-name BINANCEUSDM keeps USD-M futures apart from spot "
                         "(default: the venue's own name, e.g. BINANCE)")


def renamed(item: Named, name: str | None) -> Named:
    """``item`` with ``name`` as the venue of its instrument id (and of a book batch's deltas, a
    definition's ``venue``), changed in place; as it is when ``name`` is None."""
    if name:
        item.instrument_id = _with_venue(item.instrument_id, name)
        if isinstance(item, data_pb2.OrderBookDeltas):
            for delta in item.deltas:
                delta.instrument_id = _with_venue(delta.instrument_id, name)
        elif isinstance(item, data_pb2.InstrumentDefinition):
            item.venue = name
    return item


def _with_venue(iid: str, name: str) -> str:
    symbol, _, _ = iid.rpartition(".")
    return f"{symbol}.{name}"
