"""Venue parsers: exact ticks from good input, acks/heartbeats ignored, malformed counted."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tidegate_adapters import (QUOTE_CONTENT_TYPE, TRADE_CONTENT_TYPE, Adapter, BinanceParser, BybitParser,
                               CoinbaseParser, MalformedMessage, OkxParser, iso_to_ns, parser_for, to_decimal,
                               to_message)
from tidegate.market.v1 import common_pb2, data_pb2

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TS_INIT = 1_700_000_000_123_456_789
SAMPLE_START_NS = 1_732_530_600_000_000_000  # the sample files start at 2024-11-25T10:30:00Z


def D(units: int, scale: int) -> common_pb2.Decimal:
    return common_pb2.Decimal(units=units, scale=scale)


def quote(iid: str, bid: tuple[int, int], bid_sz: tuple[int, int], ask: tuple[int, int], ask_sz: tuple[int, int],
          ts_event: int) -> data_pb2.QuoteTick:
    return data_pb2.QuoteTick(instrument_id=iid, bid_price=D(*bid), bid_size=D(*bid_sz), ask_price=D(*ask),
                              ask_size=D(*ask_sz), ts_event=ts_event, ts_init=TS_INIT)


def trade(iid: str, px: tuple[int, int], sz: tuple[int, int], side: int, trade_id: str, ts_event: int) -> data_pb2.TradeTick:
    return data_pb2.TradeTick(instrument_id=iid, price=D(*px), size=D(*sz), aggressor_side=side, trade_id=trade_id,
                              ts_event=ts_event, ts_init=TS_INIT)


# ---------------------------------------------------------------- exact decimals and times

@pytest.mark.parametrize("text, units, scale", [
    ("65000.12", 6500012, 2),
    ("0.00100000", 100000, 8),
    ("25.35190000", 2535190000, 8),
    ("42219.9", 422199, 1),
    ("11", 11, 0),
    ("0", 0, 0),
    ("-1.50", -150, 2),
    (".5", 5, 1),
    ("1e-8", 1, 8),
    ("1.2E+3", 1200, 0),
    ("0.000000000000000001", 1, 18),
    ("9223372036854775807", 9223372036854775807, 0),
])
def test_to_decimal_is_exact(text: str, units: int, scale: int) -> None:
    assert to_decimal(text) == D(units, scale)


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "inf", "1,5", "1_000", "1.2.3", "0x10", " ", "-",
                                 "9223372036854775808", "0.0000000000000000001", 1.5, None, True, [1]])
def test_to_decimal_rejects(bad: object) -> None:
    with pytest.raises(MalformedMessage):
        to_decimal(bad)


def test_to_decimal_never_uses_float() -> None:
    # 0.1 + 0.2 style values survive exactly, and values float cannot hold keep every digit
    assert to_decimal("0.30000000000000001") == D(30000000000000001, 17)
    assert to_decimal("90071992547409.93") == D(9007199254740993, 2)


def test_iso_time_to_nanos() -> None:
    assert iso_to_ns("2022-10-19T23:28:22.061769Z") == 1666222102061769000
    assert iso_to_ns("2014-11-07T08:19:27.028459Z") == 1415348367028459000
    assert iso_to_ns("2014-11-07T08:19:27Z") == 1415348367000000000
    assert iso_to_ns("2014-11-07T09:19:27.123456789+01:00") == 1415348367123456789
    for bad in ("yesterday", "2014-13-07T08:19:27Z", "2014-11-07 08:19:27Z", 1415348367):
        with pytest.raises(MalformedMessage):
            iso_to_ns(bad)


# ---------------------------------------------------------------- Binance

def test_binance_book_ticker_spot_raw_and_combined() -> None:
    raw = '{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}'
    expected = quote("BNBUSDT.BINANCE", (2535190000, 8), (3121000000, 8), (2536520000, 8), (4066000000, 8), TS_INIT)
    p = BinanceParser()
    assert p.parse(raw, TS_INIT) == [expected]  # spot bookTicker has no time: ts_event = receive time
    assert p.parse('{"stream":"bnbusdt@bookTicker","data":' + raw + "}", TS_INIT) == [expected]


def test_binance_book_ticker_futures_uses_transaction_time() -> None:
    raw = ('{"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000",'
           '"B":"31.21000000","a":"25.36520000","A":"40.66000000"}')
    (q,) = BinanceParser().parse(raw, TS_INIT)
    assert q.ts_event == 1568014460891_000_000


def test_binance_trade() -> None:
    raw = ('{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782134,'
           '"m":true,"M":true}')
    assert BinanceParser().parse(raw, TS_INIT) == [
        trade("BNBBTC.BINANCE", (1, 3), (100, 0), common_pb2.AGGRESSOR_SIDE_SELLER, "12345", 1672515782134_000_000)]
    buyer = raw.replace('"m":true', '"m":false')
    assert BinanceParser().parse('{"stream":"bnbbtc@trade","data":' + buyer + "}", TS_INIT)[0].aggressor_side == common_pb2.AGGRESSOR_SIDE_BUYER


@pytest.mark.parametrize("raw", ['{"result":null,"id":1}', '{"id":3,"error":{"code":2,"msg":"Invalid request"}}',
                                 '{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1","q":"1","T":1,"m":true}'])
def test_binance_control_messages_are_ignored(raw: str) -> None:
    assert BinanceParser().parse(raw, TS_INIT) == []


@pytest.mark.parametrize("raw", ['{"u":1,"s":"BTCUSDT","b":"1.0","B":"1","A":"1"}', '{"u":1,"s":"BTCUSDT","b":"1.0"',
                                 '{"e":"trade","s":"X","t":1,"p":"1","q":"abc","T":1,"m":true}',
                                 '{"e":"trade","s":"X","t":1,"p":"1","q":"1","T":1,"m":"yes"}',
                                 '{"hello":"world"}', '"just a string"'])
def test_binance_malformed(raw: str) -> None:
    with pytest.raises(MalformedMessage):
        BinanceParser().parse(raw, TS_INIT)


# ---------------------------------------------------------------- Bybit

BYBIT_SNAPSHOT = ('{"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT",'
                  '"b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],"u":18521288,"seq":7961638724},'
                  '"cts":1672304484976}')


def test_bybit_orderbook_snapshot_and_deltas() -> None:
    p = BybitParser()
    assert p.parse(BYBIT_SNAPSHOT, TS_INIT) == [
        quote("BTCUSDT.BYBIT", (1649350, 2), (6, 3), (1661100, 2), (29, 3), 1672304484976_000_000)]
    delta_bid = ('{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":1672304485000,"data":{"s":"BTCUSDT",'
                 '"b":[["16500.00","1.250"]],"a":[],"u":18521289,"seq":7961638730},"cts":1672304484999}')
    assert p.parse(delta_bid, TS_INIT) == [
        quote("BTCUSDT.BYBIT", (1650000, 2), (1250, 3), (1661100, 2), (29, 3), 1672304484999_000_000)]
    # size "0" removes the level: no quote until the side is known again
    remove_ask = delta_bid.replace('"b":[["16500.00","1.250"]],"a":[]', '"b":[],"a":[["16611.00","0"]]')
    assert p.parse(remove_ask, TS_INIT) == []
    new_ask = ('{"topic":"orderbook.1.BTCUSDT","type":"delta","ts":1672304485100,"data":{"s":"BTCUSDT",'
               '"a":[["16600.50","0.5"]],"u":18521291,"seq":7961638740}}')
    assert p.parse(new_ask, TS_INIT) == [  # no cts: ts is used
        quote("BTCUSDT.BYBIT", (1650000, 2), (1250, 3), (1660050, 2), (5, 1), 1672304485100_000_000)]


def test_bybit_delta_before_snapshot_is_ignored_and_malformed_delta_keeps_book() -> None:
    p = BybitParser()
    assert p.parse(BYBIT_SNAPSHOT.replace('"snapshot"', '"delta"'), TS_INIT) == []
    p.parse(BYBIT_SNAPSHOT, TS_INIT)
    with pytest.raises(MalformedMessage):
        p.parse(BYBIT_SNAPSHOT.replace('"snapshot"', '"delta"').replace('"16493.50"', '"16.49.3"'), TS_INIT)
    (q,) = p.parse(BYBIT_SNAPSHOT.replace('"snapshot"', '"delta"').replace(',"a":[["16611.00","0.029"]]', ""), TS_INIT)
    assert q.bid_price == D(1649350, 2) and q.ask_price == D(1661100, 2)


def test_bybit_public_trade() -> None:
    raw = ('{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":['
           '{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick",'
           '"i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false},'
           '{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"1.5","p":"16578.00","L":"MinusTick","i":"abc","BT":false}]}')
    assert BybitParser().parse(raw, TS_INIT) == [
        trade("BTCUSDT.BYBIT", (1657850, 2), (1, 3), common_pb2.AGGRESSOR_SIDE_BUYER, "20f43950-d8dd-5b31-9112-a178eb6023af",
              1672304486865_000_000),
        trade("BTCUSDT.BYBIT", (1657800, 2), (15, 1), common_pb2.AGGRESSOR_SIDE_SELLER, "abc", 1672304486866_000_000)]


@pytest.mark.parametrize("raw", [
    '{"success":true,"ret_msg":"","conn_id":"c1","req_id":"","op":"subscribe"}',
    '{"success":true,"ret_msg":"pong","conn_id":"c1","req_id":"","op":"ping"}',
    '{"req_id":"1","op":"pong","args":["1672304486868"],"conn_id":"c1"}',
    '{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":{}}'])
def test_bybit_control_messages_are_ignored(raw: str) -> None:
    assert BybitParser().parse(raw, TS_INIT) == []


@pytest.mark.parametrize("raw", ['{"topic":"orderbook.1.BTCUSDT","type":"weird","ts":1,"data":{"s":"BTCUSDT"}}',
                                 '{"topic":"publicTrade.BTCUSDT","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Hold","v":"1","p":"1","i":"x"}]}',
                                 '{"topic":"publicTrade.BTCUSDT","ts":1,"data":{"T":1}}', '{"data":[]}', "[]"])
def test_bybit_malformed(raw: str) -> None:
    with pytest.raises(MalformedMessage):
        BybitParser().parse(raw, TS_INIT)


# ---------------------------------------------------------------- OKX

def test_okx_tickers_and_trades() -> None:
    tickers = ('{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT",'
               '"last":"9999.99","lastSz":"0.1","askPx":"9999.99","askSz":"11","bidPx":"8888.88","bidSz":"5",'
               '"open24h":"9000","high24h":"10000","low24h":"8888.88","volCcy24h":"2222","vol24h":"2222",'
               '"sodUtc0":"2222","sodUtc8":"2222","ts":"1597026383085"}]}')
    assert OkxParser().parse(tickers, TS_INIT) == [
        quote("BTCUSDT.OKX", (888888, 2), (5, 0), (999999, 2), (11, 0), 1597026383085_000_000)]
    trades = ('{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474",'
              '"px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897","count":"3"},'
              '{"instId":"BTC-USDT","tradeId":"130639475","px":"42219.8","sz":"1","side":"sell","ts":"1630048897898"}]}')
    assert OkxParser().parse(trades, TS_INIT) == [
        trade("BTCUSDT.OKX", (422199, 1), (12060306, 8), common_pb2.AGGRESSOR_SIDE_BUYER, "130639474", 1630048897897_000_000),
        trade("BTCUSDT.OKX", (422198, 1), (1, 0), common_pb2.AGGRESSOR_SIDE_SELLER, "130639475", 1630048897898_000_000)]


@pytest.mark.parametrize("raw", [
    "pong", "pong\n",
    '{"event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":"a4d3ae55"}',
    '{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}',
    '{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[{}]}',
    '{"arg":{"channel":"tickers","instId":"X-USDT"},"data":[{"instId":"X-USDT","askPx":"","askSz":"","bidPx":"1","bidSz":"1","ts":"1"}]}'])
def test_okx_control_messages_are_ignored(raw: str) -> None:
    assert OkxParser().parse(raw, TS_INIT) == []


@pytest.mark.parametrize("raw", ['ping', '{"arg":{"channel":"trades"},"data":[{"instId":"A-B","tradeId":"1","px":"1","sz":"1","side":"up","ts":"1"}]}',
                                 '{"arg":{"channel":"tickers"},"data":[{"instId":"A-B","askPx":"1","askSz":"1","bidPx":"1","bidSz":"1","ts":"soon"}]}',
                                 '{"arg":{"channel":"tickers"},"data":{}}'])
def test_okx_malformed(raw: str) -> None:
    with pytest.raises(MalformedMessage):
        OkxParser().parse(raw, TS_INIT)


# ---------------------------------------------------------------- Coinbase

def test_coinbase_ticker_and_match() -> None:
    ticker = ('{"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22","open_24h":"1310.79",'
              '"volume_24h":"245532.79269678","low_24h":"1280.52","high_24h":"1313.8","volume_30d":"9788783.60117027",'
              '"best_bid":"1285.04","best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040",'
              '"side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,"last_size":"11.4396987"}')
    assert CoinbaseParser().parse(ticker, TS_INIT) == [
        quote("ETHUSD.COINBASE", (128504, 2), (46688654, 8), (128527, 2), (156637040, 8), 1666222102061769000)]
    match = ('{"type":"match","trade_id":10,"sequence":50,"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8",'
             '"taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1","time":"2014-11-07T08:19:27.028459Z",'
             '"product_id":"BTC-USD","size":"5.23512","price":"400.23","side":"sell"}')
    assert CoinbaseParser().parse(match, TS_INIT) == [  # maker sold: the buyer was aggressor
        trade("BTCUSD.COINBASE", (40023, 2), (523512, 5), common_pb2.AGGRESSOR_SIDE_BUYER, "10", 1415348367028459000)]
    last = match.replace('"match"', '"last_match"').replace('"side":"sell"', '"side":"buy"')
    assert CoinbaseParser().parse(last, TS_INIT)[0].aggressor_side == common_pb2.AGGRESSOR_SIDE_SELLER


@pytest.mark.parametrize("raw", [
    '{"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]}]}',
    '{"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD","time":"2014-11-07T08:19:28.464459Z"}',
    '{"type":"error","message":"error message","reason":"bad product"}',
    '{"type":"l2update","product_id":"BTC-USD","changes":[["buy","1","1"]],"time":"2014-11-07T08:19:28.464459Z"}'])
def test_coinbase_control_messages_are_ignored(raw: str) -> None:
    assert CoinbaseParser().parse(raw, TS_INIT) == []


@pytest.mark.parametrize("raw", ['{"type":"ticker","product_id":"BTC-USD","best_bid":"1","best_bid_size":"1","best_ask":"1","time":"2014-11-07T08:19:27Z"}',
                                 '{"type":"match","trade_id":1,"product_id":"BTC-USD","size":"1","price":"1","side":"?","time":"2014-11-07T08:19:27Z"}',
                                 '{"sequence":1}', "{"])
def test_coinbase_malformed(raw: str) -> None:
    with pytest.raises(MalformedMessage):
        CoinbaseParser().parse(raw, TS_INIT)


# ---------------------------------------------------------------- the sample files, through the counting adapter

# venue: (messages, parsed, ignored, malformed, ticks, instrument ids)
EXPECTED_SAMPLES = {
    "binance": (28, 21, 4, 3, 21, {"BTCUSDT.BINANCE", "ETHUSDT.BINANCE"}),
    "bybit": (28, 19, 6, 3, 23, {"BTCUSDT.BYBIT", "ETHUSDT.BYBIT"}),
    "okx": (29, 19, 7, 3, 22, {"BTCUSDT.OKX", "ETHUSDT.OKX"}),
    "coinbase": (31, 22, 6, 3, 22, {"BTCUSD.COINBASE", "ETHUSD.COINBASE"}),
}


@pytest.mark.parametrize("venue", sorted(EXPECTED_SAMPLES))
def test_sample_file_counts_and_normalisation(venue: str, caplog: pytest.LogCaptureFixture) -> None:
    adapter = Adapter(parser_for(venue), clock=lambda: TS_INIT)
    ticks = []
    for line in (SAMPLES / f"{venue}.jsonl").read_text().splitlines():
        ticks.extend(adapter.feed(line))  # never raises
    messages, parsed, ignored, malformed, n_ticks, ids = EXPECTED_SAMPLES[venue]
    s = adapter.stats
    assert (s.messages, s.parsed, s.ignored, s.malformed, s.ticks) == (messages, parsed, ignored, malformed, n_ticks)
    assert len(ticks) == n_ticks
    assert {t.instrument_id for t in ticks} == ids
    assert any(isinstance(t, data_pb2.QuoteTick) for t in ticks) and any(isinstance(t, data_pb2.TradeTick) for t in ticks)
    assert sum("malformed message" in r.getMessage() for r in caplog.records) == malformed
    for t in ticks:
        assert t.ts_init == TS_INIT
        spot_book_ticker = venue == "binance" and isinstance(t, data_pb2.QuoteTick)  # carries no venue time
        assert t.ts_event == TS_INIT if spot_book_ticker else SAMPLE_START_NS <= t.ts_event < SAMPLE_START_NS + 3600 * 10**9
        if isinstance(t, data_pb2.QuoteTick):
            bid = t.bid_price.units * 10 ** (18 - t.bid_price.scale)
            ask = t.ask_price.units * 10 ** (18 - t.ask_price.scale)
            assert 0 < bid < ask, f"crossed or empty book in {venue} sample: {t}"
        else:
            assert t.aggressor_side in (common_pb2.AGGRESSOR_SIDE_BUYER, common_pb2.AGGRESSOR_SIDE_SELLER) and t.trade_id


def test_first_sample_ticks_are_exact() -> None:
    lines = {v: (SAMPLES / f"{v}.jsonl").read_text().splitlines() for v in EXPECTED_SAMPLES}
    # each sample's first data line, decoded by hand from the file
    b = json.loads(lines["binance"][1])["data"]
    (q,) = BinanceParser().parse(lines["binance"][1], TS_INIT)
    assert q.instrument_id == "BTCUSDT.BINANCE" and q.bid_price == to_decimal(b["b"]) and q.bid_price.scale == 8
    (q,) = OkxParser().parse(lines["okx"][3], TS_INIT)
    d = json.loads(lines["okx"][3])["data"][0]
    assert (q.instrument_id, q.ts_event) == ("BTCUSDT.OKX", int(d["ts"]) * 1_000_000)
    assert q.ask_price == to_decimal(d["askPx"]) and q.bid_size == to_decimal(d["bidSz"])


def test_to_message_topic_content_type_and_key() -> None:
    q = quote("BTCUSDT.OKX", (1, 0), (1, 0), (2, 0), (1, 0), 5)
    m = to_message(q)
    assert (m.topic, m.ordering_key, m.content_type) == ("data.quotes.OKX.BTCUSDT", "BTCUSDT.OKX", QUOTE_CONTENT_TYPE)
    assert data_pb2.QuoteTick.FromString(m.payload) == q and (m.ts_event, m.ts_init) == (5, TS_INIT)
    t = trade("BTCUSD.COINBASE", (1, 0), (1, 0), common_pb2.AGGRESSOR_SIDE_BUYER, "1", 5)
    m = to_message(t)
    assert (m.topic, m.ordering_key, m.content_type) == ("data.trades.COINBASE.BTCUSD", "BTCUSD.COINBASE", TRADE_CONTENT_TYPE)
    assert QUOTE_CONTENT_TYPE == "application/x-protobuf; type=tidegate.market.v1.QuoteTick"


def test_adapter_counts_unexpected_shapes_without_raising() -> None:
    adapter = Adapter(CoinbaseParser(), clock=lambda: TS_INIT)
    for raw in ["", "null", "42", '{"type":"ticker","best_bid":{"x":1}}', b"\xff\xfe", '{"type":"match","side":"buy","price":[1]}']:
        assert adapter.feed(raw) == []
    assert adapter.stats.malformed == 6 and adapter.stats.parsed == 0
