"""Subscribe by instrument against a real gateway jar: venue listings on data.instruments.<VENUE>
decide which quote topics a subscription by canonical key gets."""
from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import pytest

from waits import until
from tidegate import DataKind, Message, ReceivedMessage, SubscribeError, SubscriptionMode, TidegateClient
from tidegate.market.v1 import data_pb2
from tidegate.v1 import instruments_pb2, instruments_pb2_grpc


def listing(venue: str, native_id: str, key: str) -> Message:
    definition = data_pb2.InstrumentDefinition(venue=venue, segment="linear", raw_symbol=native_id, canonical_key=key)
    return Message(topic=f"data.instruments.{venue}", ordering_key=native_id, payload=definition.SerializeToString())


async def listed_venues(endpoint: str, key: str) -> set[str]:
    async with grpc.aio.insecure_channel(endpoint) as channel:
        answer = await instruments_pb2_grpc.InstrumentsServiceStub(channel).Equivalents(
            instruments_pb2.EquivalentsRequest(key=key), timeout=10)
    return {m.venue for m in answer.markets}


async def test_a_subscriber_by_instrument_gets_its_quotes_on_every_listing_venue_and_no_other(endpoint: str) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    venue_a, venue_b = f"PYA{tag}", f"PYB{tag}"
    base = f"T{tag}"
    key, other_key = f"{base}/USDT:USDT", f"O{tag}/USDT:USDT"
    async with TidegateClient([endpoint]) as publisher, TidegateClient([endpoint]) as strategy:
        got: list[tuple[str, bytes]] = []

        def on_quote(m: ReceivedMessage) -> None:
            got.append((m.topic, m.payload))

        # subscribed before either venue lists it: listings that come later widen the subscription
        sub = await strategy.subscribe([], on_quote, instruments=[key], data_kind=DataKind.QUOTES, timeout=10)
        assert sub.instruments == (key,) and sub.data_kind == "quotes"

        await publisher.publish(listing(venue_a, f"{base}USDT", key))
        await publisher.publish(listing(venue_b, f"{base}-USDT-SWAP", key))
        await publisher.publish(listing(venue_b, f"O{tag}-USDT-SWAP", other_key))
        wanted = {venue_a, venue_b}
        deadline = time.monotonic() + 20
        # the registry reads listings off the publish path: wait until it knows both venues
        while (seen := await listed_venues(endpoint, key)) != wanted and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert seen == wanted

        await publisher.publish(Message(topic=f"data.quotes.{venue_b}.O{tag}-USDT-SWAP", payload=b"other"))
        await publisher.publish(Message(topic=f"data.quotes.{venue_a}.{base}USDT", payload=b"a"))
        await publisher.publish(Message(topic=f"data.quotes.{venue_b}.{base}-USDT-SWAP", payload=b"b"))
        await until(lambda: len(got) >= 2, 20, "both venues' quotes")
        # the other instrument's quote was published first: had it been delivered it would be here
        assert sorted(got) == [(f"data.quotes.{venue_a}.{base}USDT", b"a"),
                               (f"data.quotes.{venue_b}.{base}-USDT-SWAP", b"b")]


async def test_an_instrument_key_not_in_the_canonical_form_is_refused(endpoint: str) -> None:
    async with TidegateClient([endpoint]) as c:
        with pytest.raises(SubscribeError) as e:
            await c.subscribe([], lambda m: None, instruments=["not a key"], data_kind=DataKind.QUOTES, timeout=10)
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_instrument_options_that_cannot_work_are_refused_before_sending(endpoint: str) -> None:
    async with TidegateClient([endpoint]) as c:
        with pytest.raises(ValueError, match="data_kind"):
            await c.subscribe([], lambda m: None, instruments=["BTC/USDT"])
        with pytest.raises(ValueError, match="not one of"):
            await c.subscribe([], lambda m: None, instruments=["BTC/USDT"], data_kind="candles")
        with pytest.raises(ValueError, match="BROADCAST"):
            await c.subscribe([], lambda m: None, instruments=["BTC/USDT"], data_kind=DataKind.QUOTES,
                              mode=SubscriptionMode.GROUP, group="g")
        # nothing to subscribe to is the gateway's to refuse, as for any client
        with pytest.raises(SubscribeError) as e:
            await c.subscribe([], lambda m: None, timeout=10)
        assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
