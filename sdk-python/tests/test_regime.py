"""TidegateClient.get_regime against a real gateway jar: quotes published on data.quotes.<VENUE>.<SYMBOL>
make the gateway's regime detector switch, and the client reads the regime back."""
from __future__ import annotations

import asyncio
import math
import uuid

import grpc
import pytest

from tidegate import Message, TidegateClient, TidegateError
from tidegate.market.v1 import common_pb2, data_pb2, regime_pb2


def quote(i: int) -> data_pb2.QuoteTick:
    """A steady book for 600 quotes, then a spread 50 times wider every other 40 quotes: the
    detector (docs/intelligence.md) calls the wide stretches ILLIQUID and the narrow ones RANGING."""
    mid = 100 + 0.001 * math.sin(i)
    half = 0.5 if i >= 600 and (i // 40) % 2 == 0 else 0.01

    def dec(v: float) -> common_pb2.Decimal:
        return common_pb2.Decimal(units=round(v * 1e8), scale=8)

    return data_pb2.QuoteTick(bid_price=dec(mid - half), ask_price=dec(mid + half), bid_size=dec(1), ask_size=dec(1),
                              ts_event=ts(i), ts_init=ts(i))


def ts(i: int) -> int:
    return 1_000_000_000 + i * 20_000_000


async def test_get_regime_reads_the_regime_the_gateway_detected(endpoint: str) -> None:
    venue, symbol = "PYVENUE", "S" + uuid.uuid4().hex[:10].upper()
    async with TidegateClient([endpoint]) as c:
        assert await c.get_regime(venue, symbol) is None  # never seen

        await asyncio.gather(*(c.publish(Message(topic=f"data.quotes.{venue}.{symbol}",
                                                 payload=quote(i).SerializeToString())) for i in range(100)))
        assert await c.get_regime(venue, symbol) is None  # still learning the instrument's normal

        await asyncio.gather(*(c.publish(Message(topic=f"data.quotes.{venue}.{symbol}",
                                                 payload=quote(i).SerializeToString())) for i in range(100, 1000)))
        # the last switch: into ILLIQUID at quote 963, 3 quotes into the wide stretch starting at 960
        regime: list[regime_pb2.RegimeChange | None] = [None]

        async def poll() -> None:
            while True:
                regime[0] = await c.get_regime(venue, symbol)
                if regime[0] is not None and regime[0].since_ts_event == ts(963):
                    return
                await asyncio.sleep(0.02)

        await asyncio.wait_for(poll(), 20)
        got = regime[0]
        assert got is not None
        assert (got.venue, got.symbol) == (venue, symbol)
        assert got.regime == regime_pb2.REGIME_ILLIQUID
        assert 0.8 <= got.confidence <= 1
        assert got.features.spread_ratio > 2


async def test_get_regime_with_an_empty_name_says_what_is_missing(endpoint: str) -> None:
    async with TidegateClient([endpoint]) as c:
        with pytest.raises(TidegateError) as e:
            await c.get_regime("", "BTCUSDT")
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert "venue and symbol are both required" in e.value.message
