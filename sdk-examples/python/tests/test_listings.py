"""Listing parsers over small fixtures written from each venue's documented REST format, the
evaluation command, and publishing definitions through a real gateway."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from waits import until
from tidegate import ReceivedMessage, TidegateClient
from tidegate.market.v1 import common_pb2, data_pb2
from tidegate_adapters.listings import INSTRUMENT_CONTENT_TYPE, parse_listing, publish_listing
from tidegate_adapters.listings_eval import key_from_native_id

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "listings"


def listing(venue: str, name: str | None = None, segment: str | None = None):  # type: ignore[no-untyped-def]
    return parse_listing(venue, (FIXTURES / f"{name or venue}.json").read_bytes(), segment, ts_init=7)


def keys(venue: str, name: str | None = None) -> dict[str, tuple[str, str]]:
    return {d.raw_symbol: (d.segment, d.canonical_key) for d in listing(venue, name).definitions}


def dec(units: int, scale: int) -> common_pb2.Decimal:
    return common_pb2.Decimal(units=units, scale=scale)


def test_binance_spot_usdm_and_coinm_keep_spot_and_perpetual_apart() -> None:
    assert keys("binance", "binance_spot") == {"BTCUSDT": ("spot", "BTC/USDT"), "ETHBTC": ("spot", "ETH/BTC")}
    assert keys("binance", "binance_usdm") == {"BTCUSDT": ("linear", "BTC/USDT:USDT"),
                                               "BTCUSDT_250328": ("linear", "BTC/USDT:USDT-250328")}
    assert keys("binance", "binance_coinm") == {"BTCUSD_PERP": ("inverse", "BTC/USD:BTC"),
                                                "ETHUSD_250328": ("inverse", "ETH/USD:ETH-250328")}
    spot = {d.raw_symbol: d for d in listing("binance", "binance_spot").definitions}
    btc = spot["BTCUSDT"]
    assert (btc.kind, btc.status, btc.settle_currency) == (data_pb2.INSTRUMENT_KIND_SPOT, data_pb2.INSTRUMENT_STATUS_TRADING, "")
    assert btc.price_increment == dec(1000000, 8) and btc.min_size == dec(1000, 8) and btc.min_notional == dec(500000000, 8)
    assert btc.instrument_id == "BTCUSDT.BINANCE" and btc.venue == "BINANCE" and btc.ts_init == 7
    assert spot["ETHBTC"].status == data_pb2.INSTRUMENT_STATUS_HALTED
    inverse = listing("binance", "binance_coinm").definitions[1]
    assert inverse.contract_type == data_pb2.CONTRACT_TYPE_INVERSE and inverse.contract_size == dec(10, 0)
    assert inverse.contract_value_currency == "USD" and inverse.expiry_day == "2025-03-28"
    assert inverse.expiry_ts == 1743148800000 * 1_000_000 and inverse.kind == data_pb2.INSTRUMENT_KIND_FUTURE


def test_okx_spot_swap_future_and_option() -> None:
    assert keys("okx") == {
        "BTC-USDT": ("spot", "BTC/USDT"), "BTC-USD-SWAP": ("inverse", "BTC/USD:BTC"),
        "BTC-USDT-SWAP": ("linear", "BTC/USDT:USDT"), "BTC-USD-250328": ("inverse", "BTC/USD:BTC-250328"),
        "BTC-USD-250328-100000-C": ("option", "BTC/USD:BTC-250328-100000-C")}
    by_id = {d.raw_symbol: d for d in listing("okx").definitions}
    option = by_id["BTC-USD-250328-100000-C"]
    assert option.strike == dec(100000, 0) and option.option_right == data_pb2.OPTION_RIGHT_CALL
    assert option.contract_size == dec(1, 2) and option.contract_value_currency == "BTC"
    assert by_id["BTC-USDT-SWAP"].status == data_pb2.INSTRUMENT_STATUS_HALTED
    assert list(by_id["BTC-USD-250328"].aliases) == ["quarter"]


def test_bybit_categories() -> None:
    assert keys("bybit", "bybit_linear") == {"BTCUSDT": ("linear", "BTC/USDT:USDT"),
                                             "BTC-28MAR25": ("linear", "BTC/USDC:USDC-250328")}
    assert keys("bybit", "bybit_inverse") == {"BTCUSD": ("inverse", "BTC/USD:BTC"),
                                              "BTCUSDH25": ("inverse", "BTC/USD:BTC-250328")}
    assert keys("bybit", "bybit_spot") == {"BTCUSDT": ("spot", "BTC/USDT")}
    assert keys("bybit", "bybit_option") == {"ETH-28MAR25-4000-P-USDT": ("option", "ETH/USDT:USDT-250328-4000-P")}
    linear = listing("bybit", "bybit_linear").definitions[0]
    assert linear.min_notional == dec(5, 0) and linear.size_increment == dec(1, 3)


def test_coinbase_products_with_the_venue_rename() -> None:
    assert keys("coinbase") == {"BTC-USD": ("spot", "BTC/USD"), "CGLD-EUR": ("spot", "CELO/EUR")}
    cgld = listing("coinbase").definitions[1]
    assert cgld.status == data_pb2.INSTRUMENT_STATUS_HALTED and cgld.native_base == "CGLD"
    assert list(cgld.aliases) == ["CGLD/EUR"]


def test_kraken_xbt_and_xdg_aliases_and_no_dark_pool() -> None:
    parsed = listing("kraken")
    assert {d.raw_symbol: d.canonical_key for d in parsed.definitions} == {
        "XXBTZUSD": "BTC/USD", "XDGEUR": "DOGE/EUR", "XETHXXBT": "ETH/BTC"}
    xbt = parsed.definitions[0]
    assert list(xbt.aliases) == ["XBTUSD", "XBT/USD"] and (xbt.native_base, xbt.native_quote) == ("XXBT", "ZUSD")
    assert xbt.size_increment == dec(1, 8) and xbt.price_increment == dec(1, 1)
    assert parsed.definitions[1].status == data_pb2.INSTRUMENT_STATUS_HALTED
    assert [s[0] for s in parsed.skipped] == ["XXBTZUSD.d"]


def test_deribit_perpetual_future_option_linear_and_combo_skipped() -> None:
    parsed = listing("deribit")
    assert {d.raw_symbol: (d.segment, d.canonical_key) for d in parsed.definitions} == {
        "BTC-PERPETUAL": ("inverse", "BTC/USD:BTC"), "BTC-28MAR25": ("inverse", "BTC/USD:BTC-250328"),
        "BTC-28MAR25-100000-C": ("option", "BTC/USD:BTC-250328-100000-C"),
        "SOL_USDC-PERPETUAL": ("linear", "SOL/USDC:USDC")}
    assert [s[0] for s in parsed.skipped] == ["BTC-FS-28MAR25_PERP"]
    assert parsed.definitions[0].contract_size == dec(100, 1) and parsed.definitions[0].price_increment == dec(5, 1)


def test_bitmex_inverse_quanto_linear_and_index_skipped() -> None:
    parsed = listing("bitmex")
    assert {d.raw_symbol: (d.segment, d.canonical_key) for d in parsed.definitions} == {
        "XBTUSD": ("inverse", "BTC/USD:BTC"), "ETHUSD": ("quanto", "ETH/USD:BTC"),
        "XBTH25": ("inverse", "BTC/USD:BTC-250328"), "SOLUSDT": ("linear", "SOL/USDT:USDT")}
    quanto = parsed.definitions[1]
    assert quanto.contract_type == data_pb2.CONTRACT_TYPE_QUANTO and quanto.contract_size == dec(100, 0)
    assert [s[0] for s in parsed.skipped] == [".BXBT"]


def test_a_bad_row_is_skipped_with_its_reason_and_a_bad_body_raises() -> None:
    body = json.loads((FIXTURES / "okx.json").read_text())
    body["data"][1]["instFamily"] = body["data"][1]["uly"] = ""
    parsed = parse_listing("okx", json.dumps(body))
    assert len(parsed.definitions) == 4 and parsed.skipped[0][0] == "BTC-USD-SWAP"
    with pytest.raises(ValueError, match="symbols"):
        parse_listing("binance", "{}")
    with pytest.raises(ValueError, match="error 50011"):
        parse_listing("okx", '{"code":"50011","msg":"Too Many Requests","data":[]}')


@pytest.mark.parametrize("venue,segment,native,aliases,key", [
    ("binance", "inverse", "DOTUSD_210924", [], "DOT/USD:DOT-210924"),
    ("binance", "spot", "BTCUSDT", [], "BTC/USDT"),
    ("bybit", "inverse", "BTCUSDM21", ["BTCUSD0625"], "BTC/USD:BTC-210625"),
    ("kraken", "spot", "XXBTZUSD", ["XBTUSD", "XBT/USD"], "BTC/USD"),
    ("deribit", "option", "BTC-24JUN22-25000-C", [], "BTC/USD:BTC-220624-25000-C"),
    ("bitmex", "inverse", "XBTUSD", [], "BTC/USD:BTC"),
    ("bitmex", "quanto", "ETHUSDU21", [], "ETH/USD:BTC-210924"),
])
def test_native_id_rules(venue: str, segment: str, native: str, aliases: list[str], key: str) -> None:
    assert str(key_from_native_id(venue, segment, native, aliases)) == key


def test_evaluate_command_prints_precision_and_recall(tmp_path: Path) -> None:
    rows = [{"venue": "okx", "segment": "linear", "id": "BTC-USDT-SWAP", "symbol": "BTC/USDT:USDT"},
            {"venue": "okx", "segment": "spot", "id": "ETH-USDT", "symbol": "ETH/USDT"},
            {"venue": "okx", "segment": "spot", "id": "ETC-USDT", "symbol": "ETH/USDT"}]  # a wrong answer
    (tmp_path / "okx.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    out = subprocess.run([sys.executable, "-m", "tidegate_adapters.listings", "evaluate", "--data", str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout
    assert "okx             3      3        2     0.667   0.667" in out
    assert "miss: ETC-USDT -> ETC/USDT (want ETH/USDT)" in out


async def test_definitions_published_through_the_gateway(endpoint: str) -> None:
    parsed = listing("okx")
    async with TidegateClient([endpoint]) as sub, TidegateClient([endpoint], client_name="listings") as pub:
        got: list[ReceivedMessage] = []
        await sub.subscribe(["data.instruments.OKX"], got.append)
        assert await publish_listing(pub, parsed) == 5
        await until(lambda: len(got) >= 5, what="5 OKX definitions")
    assert all(m.message.content_type == INSTRUMENT_CONTENT_TYPE for m in got)
    received = {m.message.ordering_key: data_pb2.InstrumentDefinition.FromString(m.payload) for m in got}
    assert received == {d.raw_symbol: d for d in parsed.definitions}
