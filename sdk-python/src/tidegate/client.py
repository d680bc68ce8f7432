"""TidegateClient: one Connect stream kept up across failures, with batched publishes and
flow-controlled subscriptions on top."""
from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import TYPE_CHECKING

import grpc

from ._proto import books_pb2, books_pb2_grpc, intelligence_pb2, intelligence_pb2_grpc, pb, regime_pb2
from ._publisher import Publisher
from ._stream import GatewayStream
from .errors import TidegateError, status_code
from .model import DataKind, PublishReceipt, Start, SubscriptionMode
from .subscription import GapHandler, Handler, ResetHandler, Subscription
from .security import TlsSettings
from .tracing import ClientTracing

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

log = logging.getLogger("tidegate.client")

try:
    _VERSION = metadata.version("tidegate")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    _VERSION = "0.0.0"


class TidegateClient:
    """An asyncio client for the Tidegate gateway.

    ::

        async with TidegateClient(["127.0.0.1:7400"], client_name="quotes") as client:
            await client.subscribe(["data.quotes.>"], on_quote)
            receipt = await client.publish(pb.Message(topic="data.quotes.BINANCE.BTCUSDT", payload=b"..."))

    It connects to the endpoints in turn (backoff with jitter between failed attempts), says
    Hello, and keeps the stream alive with pings. After a reconnect it re-sends unacked publishes
    with their original ids and resumes every subscription.

    ``tls=TlsSettings(ca_file=...)`` connects over TLS (with ``cert_chain_file`` and ``key_file``
    for a client certificate); ``bearer_token`` (a string, or a callable asked on every connect)
    sends ``authorization: Bearer <token>``. A refused connection (``UNAUTHENTICATED``,
    ``PERMISSION_DENIED``) is logged as a warning, kept in ``last_refusal``, and retried.

    With the OpenTelemetry API installed it traces publishes and handler calls (``tracing=False``
    turns that off; spans go to ``tracer_provider`` or the global provider): see ``tidegate.tracing``.
    """

    def __init__(self, endpoints: Sequence[str] | str, *, client_name: str = "tidegate-python",
                 max_batch: int = 500, max_batch_bytes: int = 4 << 20, linger: float = 0.002,
                 max_pending: int = 100_000, default_credit: int = 1000,
                 connect_timeout: float = 10.0, ping_interval: float = 5.0, ping_timeout: float = 10.0,
                 keepalive_time: float = 20.0, keepalive_timeout: float = 10.0, drain_grace: float = 15.0,
                 backoff_initial: float = 0.05, backoff_max: float = 5.0, tracing: bool = True,
                 tracer_provider: TracerProvider | None = None, tls: TlsSettings | None = None,
                 bearer_token: str | Callable[[], str] | None = None) -> None:
        self.endpoints = [endpoints] if isinstance(endpoints, str) else list(endpoints)
        if not self.endpoints:
            raise ValueError("at least one endpoint (host:port) is needed")
        if max_batch < 1 or linger < 0 or default_credit < 1:
            raise ValueError("max_batch and default_credit must be >= 1 and linger >= 0")
        self.client_name = client_name
        self.default_credit = default_credit
        self.connect_timeout = connect_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.drain_grace = drain_grace
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._channel_options = [
            ("grpc.keepalive_time_ms", int(keepalive_time * 1000)),
            ("grpc.keepalive_timeout_ms", int(keepalive_timeout * 1000)),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_receive_message_length", 64 << 20),
            ("grpc.enable_retries", 0),
            # a new connection per stream: gRPC's global subchannel pool would hand a reconnect the
            # very TCP connection that just went silent
            ("grpc.use_local_subchannel_pool", 1),
        ]
        self._credentials = tls.credentials() if tls is not None else None
        self._bearer_token = bearer_token
        self.last_refusal: grpc.aio.AioRpcError | None = None
        self._frame_ids = itertools.count(1)
        self._tracing = ClientTracing(tracing, tracer_provider, _VERSION)
        self._publisher = Publisher(max_batch=max_batch, max_batch_bytes=max_batch_bytes, linger=linger,
                                    max_pending=max_pending, tracing=self._tracing)
        self._publisher.bind(self._next_frame_id)
        self._subscriptions: dict[str, Subscription] = {}
        self._current: GatewayStream | None = None
        self._connected: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self._closed = False
        self.welcome: pb.Welcome | None = None
        self.connects = 0  # streams that got a Welcome so far

    # ------------------------------------------------------------------ lifecycle

    async def connect(self, timeout: float | None = None) -> TidegateClient:
        """Starts the connection loop and waits until the first stream is up."""
        if self._runner is None:
            self._connected = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run(), name="tidegate-connector")
        await self.wait_connected(timeout)
        return self

    async def wait_connected(self, timeout: float | None = None) -> None:
        if self._connected is None:
            raise TidegateError(grpc.StatusCode.FAILED_PRECONDITION, "call connect() first")
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            refusal = self.last_refusal
            if refusal is not None:
                raise TidegateError(refusal.code(), f"the gateway refused the connection: {refusal.details()}") from None
            raise TidegateError(grpc.StatusCode.UNAVAILABLE,
                                f"no gateway answered at {', '.join(self.endpoints)} within {timeout}s") from None

    @property
    def connected(self) -> bool:
        return self._current is not None

    async def __aenter__(self) -> TidegateClient:
        return await self.connect(self.connect_timeout)

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self, timeout: float = 5.0) -> None:
        """Waits up to ``timeout`` for pending publishes, unsubscribes, and closes the stream.
        Publishes still pending then fail with CANCELLED."""
        if self._closed:
            return
        if self._current is not None:
            await self._publisher.drain(timeout)
        self._closed = True
        for sub in list(self._subscriptions.values()):
            await sub.close()
        self._publisher.close()
        stream = self._current
        if stream is not None:
            stream.finish_sending()
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except asyncio.CancelledError:
                pass

    def _next_frame_id(self) -> int:
        return next(self._frame_ids)

    def _auth_metadata(self) -> tuple[tuple[str, str], ...]:
        """``authorization: Bearer <token>`` for a new stream; a callable source is asked each time,
        so a refreshed token is used on reconnect."""
        token = self._bearer_token() if callable(self._bearer_token) else self._bearer_token
        return (("authorization", f"Bearer {token}"),) if token else ()

    # ------------------------------------------------------------------ intelligence

    async def get_regime(self, venue: str, symbol: str, timeout: float = 10.0) -> regime_pb2.RegimeChange | None:
        """The market regime the gateway detects for ``data.quotes.<venue>.<symbol>``: the last
        ``RegimeChange`` (regime, confidence, since_ts_event, features), or None while the gateway has
        not seen the instrument or is still learning its normal. Asks the gateway this client is
        connected to (each replica detects from the quotes published to it). Raises TidegateError
        with the gRPC code and what to fix otherwise (INVALID_ARGUMENT for an empty venue or
        symbol, FAILED_PRECONDITION when the gateway has regime detection off)."""
        stream = self._current
        if stream is None:
            raise TidegateError(grpc.StatusCode.UNAVAILABLE, "not connected; call connect() first")
        stub = intelligence_pb2_grpc.IntelligenceServiceStub(stream.channel)
        try:
            response = await stub.GetRegime(intelligence_pb2.GetRegimeRequest(venue=venue, symbol=symbol),
                                            timeout=timeout, metadata=self._auth_metadata())
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise TidegateError(e.code(), e.details() or "") from None
        return response.regime

    async def get_book(self, venue: str, symbol: str, depth: int = 0,
                       timeout: float = 10.0) -> books_pb2.GetBookResponse:
        """The order book the gateway keeps from ``data.books.<venue>.<symbol>`` (``BooksService``):
        the best ``depth`` levels per side (0: all it holds) and the venue's sequence. Raises
        TidegateError with the gRPC code and what to fix: NOT_FOUND when no batch of that book was
        published, UNAVAILABLE while the book waits for a snapshot after a reset or a sequence gap
        (retry), INVALID_ARGUMENT for a bad venue, symbol or depth, FAILED_PRECONDITION when the
        gateway keeps no books. To keep a book yourself from a subscription, see :mod:`tidegate.book`."""
        stream = self._current
        if stream is None:
            raise TidegateError(grpc.StatusCode.UNAVAILABLE, "not connected; call connect() first")
        stub = books_pb2_grpc.BooksServiceStub(stream.channel)
        try:
            return await stub.GetBook(books_pb2.GetBookRequest(venue=venue, symbol=symbol, depth=depth),
                                      timeout=timeout, metadata=self._auth_metadata())
        except grpc.aio.AioRpcError as e:
            raise TidegateError(e.code(), e.details() or "") from None

    # ------------------------------------------------------------------ publish

    def publish(self, message: pb.Message) -> asyncio.Future[PublishReceipt]:
        """Queues ``message`` for the next batch; the future resolves once the backend stored it
        (or raises PublishError with the gRPC code and what to fix). An empty ``id`` is set to a
        uuid4 on ``message`` itself, so retries after a reconnect are deduplicated."""
        return self._publisher.publish(message)

    async def flush(self, timeout: float | None = None) -> None:
        """Sends queued publishes now and waits until all are acked or failed."""
        await self._publisher.drain(timeout)

    @property
    def pending_publishes(self) -> int:
        return self._publisher.pending

    # ------------------------------------------------------------------ subscribe

    async def subscribe(self, patterns: Sequence[str] | str, handler: Handler, *,
                        mode: SubscriptionMode = SubscriptionMode.BROADCAST, group: str = "",
                        start: Start | None = None, credit: int | None = None, auto_ack: bool = True,
                        ack_deadline: float = 0.0, strict_key_order: bool = False, retry_delay: float = 1.0,
                        conflate: bool = False, on_reset: ResetHandler | None = None,
                        on_gap: GapHandler | None = None, instruments: Sequence[str] | str = (),
                        data_kind: DataKind | str | None = None,
                        subscription_id: str | None = None, timeout: float | None = None) -> Subscription:
        """Subscribes and waits for the gateway's confirmation (raises SubscribeError if refused).

        ``handler(msg)`` (plain or async) runs for one message at a time, in delivery order. At most
        ``credit`` messages are received and not yet handled; credit is granted back as the handler
        finishes. On a GROUP subscription a message is acked when the handler returns (``auto_ack``)
        and nacked with ``retry_delay`` when it raises; call ``msg.ack()``/``msg.nack(delay)`` to
        settle it yourself. ``ack_deadline`` (seconds, 0: the gateway's default) is GROUP only.
        ``conflate`` (BROADCAST only): while behind, get the latest message per ordering key instead of
        a backlog; ``msg.conflated_before`` says how many of its key were dropped before it.
        ``on_reset(notice)`` (plain or async) runs when the gateway's backend lost its stored history
        (a :class:`BackendReset`: messages stored before it may be gone); the subscription goes on,
        and ``sub.resets`` lists every notice received.
        ``on_gap(gap)`` (plain or async; BROADCAST) runs when messages were trimmed by retention before
        this subscriber read them (a :class:`Gap`, with how many were lost when the gateway knows):
        in delivery order, after the messages before the hole and before the first after it. Without
        it a warning is logged; ``sub.gaps`` lists every gap handled.

        Subscribe by instrument (BROADCAST only): ``instruments`` are canonical keys in the ccxt form
        (``"BTC/USDT"``, ``"BTC/USDT:USDT"``; at most 64) and ``data_kind`` (a :class:`DataKind`:
        quotes, trades or books) says which of their topics: the handler gets
        ``data.<data_kind>.<VENUE>.<native id>`` of every venue whose listing (an
        ``InstrumentDefinition`` on ``data.instruments.<VENUE>``) gives one of the keys, including
        venues listed after the subscription was made. ``patterns`` may then be empty; any given are
        delivered too::

            await client.subscribe([], on_quote, instruments=["BTC/USDT:USDT"], data_kind=DataKind.QUOTES)

        The gateway refuses a key not in the canonical form with INVALID_ARGUMENT (SubscribeError).
        """
        if isinstance(patterns, str):
            patterns = [patterns]
        if isinstance(instruments, str):
            instruments = [instruments]
        mode = SubscriptionMode(mode)
        kind = _data_kind(instruments, data_kind, mode)
        sid = subscription_id or f"sub-{uuid.uuid4().hex[:12]}"
        if sid in self._subscriptions:
            raise ValueError(f"subscription id {sid!r} is already in use on this client")
        sub = Subscription(self, sid, patterns, handler, mode=mode, group=group, start=start or Start.latest(),
                           credit=credit or self.default_credit, auto_ack=auto_ack, ack_deadline=ack_deadline,
                           strict_key_order=strict_key_order, retry_delay=retry_delay, conflate=conflate,
                           on_reset=on_reset, on_gap=on_gap, instruments=instruments, data_kind=kind)
        self._subscriptions[sid] = sub
        if self._current is not None:
            sub.attach(self._current)
        try:
            await asyncio.wait_for(asyncio.shield(sub.confirmed), timeout)
        except BaseException:
            if sub.active:
                await sub.close()
            raise
        return sub

    # ------------------------------------------------------------------ connection loop

    def _backoff(self, failures: int) -> float:
        delay = min(self.backoff_max, self.backoff_initial * (2 ** min(failures - 1, 20)))
        return delay * random.uniform(0.5, 1.0)  # jitter, so a fleet does not reconnect in lockstep

    async def _run(self) -> None:
        failures = 0
        for attempt in itertools.count():
            if self._closed:
                return
            endpoint = self.endpoints[attempt % len(self.endpoints)]
            welcomed = await self._session(endpoint)
            if self._closed:
                return
            if welcomed:
                failures = 0
                continue  # a stream that was up reconnects at once
            failures += 1
            await asyncio.sleep(self._backoff(failures))

    async def _session(self, endpoint: str) -> bool:
        """Runs one stream from Hello to its end; True when it got a Welcome."""
        stream = GatewayStream(endpoint, self._channel_options, self._credentials, self._auth_metadata())
        welcomed = False
        pinger: asyncio.Task[None] | None = None
        try:
            stream.send(pb.ConnectRequest(frame_id=self._next_frame_id(), hello=pb.Hello(
                client_name=self.client_name, language="python", client_version=_VERSION)))
            first = await asyncio.wait_for(stream.read(), self.connect_timeout)
            if first is None or first.WhichOneof("kind") != "welcome":
                if first is not None and first.WhichOneof("kind") == "error":
                    e = first.error.error
                    log.error("gateway at %s refused Hello: %s %s", endpoint, status_code(e.code).name, e.message)
                else:
                    log.warning("gateway at %s did not answer Hello with Welcome", endpoint)
                return False
            welcomed = True
            self._on_welcome(stream, first.welcome)
            pinger = asyncio.get_running_loop().create_task(self._ping(stream))
            while (frame := await stream.read()) is not None:
                self._dispatch(stream, frame)
            log.info("%s ended by the gateway", stream)
        except TimeoutError:
            log.warning("no Welcome from %s within %.1fs", endpoint, self.connect_timeout)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not stream.dropped or self._closed or (task is not None and task.cancelling()):
                raise  # the client is closing
            # grpc.aio raises CancelledError from read() once we cancelled the call ourselves
            log.warning("dropped %s: %s", stream, stream.dropped)
        except grpc.aio.AioRpcError as e:
            if welcomed:
                log.warning("lost %s: %s %s", stream, e.code().name, e.details())
            elif e.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                # a settings problem the user must see, unlike an unreachable gateway being retried
                log.warning("gateway at %s refused the connection: %s %s", endpoint, e.code().name, e.details())
                self.last_refusal = e
            else:
                log.debug("connecting to %s failed: %s %s", endpoint, e.code().name, e.details())
        finally:
            if pinger is not None:
                pinger.cancel()
            was_current = self._current is stream
            if was_current:
                self._current = None
                assert self._connected is not None
                self._connected.clear()
            self._publisher.on_stream_closed(stream)
            for sub in list(self._subscriptions.values()):
                sub.on_stream_closed(stream)
            await stream.dispose()
        return welcomed

    def _on_welcome(self, stream: GatewayStream, w: pb.Welcome) -> None:
        stream.session_id, stream.gateway_id = w.session_id, w.gateway_id
        self.welcome = w
        self._current = stream
        self.connects += 1
        log.info("connected to gateway %s at %s (session %s)", w.gateway_id, stream.endpoint, w.session_id)
        self._publisher.attach(stream, w.limits.max_batch_messages, w.limits.max_frame_bytes)
        for sub in list(self._subscriptions.values()):
            sub.attach(stream)
        assert self._connected is not None
        self._connected.set()

    def _dispatch(self, stream: GatewayStream, frame: pb.ConnectResponse) -> None:
        kind = frame.WhichOneof("kind")
        if kind == "deliveries":
            sub = self._subscriptions.get(frame.deliveries.subscription_id)
            if sub is not None:
                sub.on_deliveries(stream, frame.deliveries)
        elif kind == "publish_ack":
            self._publisher.on_ack(frame.frame_id, frame.publish_ack)
        elif kind == "subscribed":
            sub = self._subscriptions.get(frame.subscribed.subscription_id)
            if sub is not None:
                sub.on_subscribed(stream, frame.frame_id, frame.subscribed)
        elif kind == "unsubscribed":
            sub = self._subscriptions.get(frame.unsubscribed.subscription_id)
            if sub is not None:
                sub.on_unsubscribed(stream, frame.frame_id, frame.unsubscribed.reason)
        elif kind == "error":
            if self._publisher.on_frame_error(frame.frame_id, frame.error):
                return
            sub = self._subscriptions.get(frame.error.subscription_id)
            if sub is not None:
                sub.on_frame_error(stream, frame.frame_id, frame.error)
            else:
                e = frame.error.error
                log.warning("gateway rejected a %s frame (id %d): %s %s", frame.error.frame_kind, frame.frame_id,
                            status_code(e.code).name, e.message)
        elif kind == "backend_reset":
            sub = self._subscriptions.get(frame.backend_reset.subscription_id)
            if sub is not None:
                sub.on_backend_reset(stream, frame.backend_reset)
        elif kind == "gap":
            sub = self._subscriptions.get(frame.gap.subscription_id)
            if sub is not None:
                sub.on_gap(stream, frame.gap)
        elif kind == "go_away":
            self._on_go_away(stream, frame.go_away.reason)
        elif kind == "pong":
            pass
        else:
            log.debug("ignored server frame of kind %s", kind)

    def _on_go_away(self, stream: GatewayStream, reason: str) -> None:
        """The gateway drains: publish no more on this stream, let it end (bounded by
        ``drain_grace``) and reconnect; pending publishes are re-sent on the next stream."""
        if self._current is not stream:
            return
        log.info("gateway %s is draining (%s); reconnecting once its stream ends", stream.gateway_id, reason)
        stream.draining = True
        self._current = None
        assert self._connected is not None
        self._connected.clear()
        self._publisher.pause(stream)

        def give_up() -> None:
            if not stream.closed:
                log.warning("%s did not end within %.1fs after GoAway; dropping it", stream, self.drain_grace)
                stream.cancel(f"no end of stream within {self.drain_grace}s after GoAway")
        asyncio.get_running_loop().call_later(self.drain_grace, give_up)

    async def _ping(self, stream: GatewayStream) -> None:
        """Pings the gateway; a stream silent for ping_interval + ping_timeout is dropped."""
        while not stream.closed:
            await asyncio.sleep(self.ping_interval)
            silent = time.monotonic() - stream.last_inbound
            if silent > self.ping_interval + self.ping_timeout:
                log.warning("gateway at %s sent nothing for %.1fs (pings unanswered); reconnecting",
                            stream.endpoint, silent)
                stream.cancel("gateway stopped answering pings")
                return
            stream.send(pb.ConnectRequest(frame_id=self._next_frame_id(), ping=pb.Ping(nonce=time.monotonic_ns())))


def _data_kind(instruments: Sequence[str], data_kind: DataKind | str | None, mode: SubscriptionMode) -> str:
    """The wire value of ``data_kind``; what is wrong with an instrument subscription is said here,
    before anything is sent."""
    if not instruments:
        if data_kind:
            raise ValueError("data_kind goes with instruments; give the instruments to subscribe to")
        return ""
    if mode != SubscriptionMode.BROADCAST:
        raise ValueError("instruments are for BROADCAST subscriptions")
    if data_kind is None or data_kind == "":
        raise ValueError("instruments need a data_kind: DataKind.QUOTES, TRADES or BOOKS")
    try:
        return DataKind(data_kind).value
    except ValueError:
        raise ValueError(f"data_kind {data_kind!r} is not one of {', '.join(k.value for k in DataKind)}") from None
