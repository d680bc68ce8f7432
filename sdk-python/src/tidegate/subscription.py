"""A subscription: (re)subscribes on each stream, runs the handler, settles, grants credit."""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc

from ._proto import pb
from ._stream import GatewayStream
from .errors import SubscribeError, status_code
from .model import BackendReset, Gap, Position, Start, SubscriptionMode

if TYPE_CHECKING:
    from .client import TidegateClient

log = logging.getLogger("tidegate.subscription")

_ACK_BATCH = 128


@dataclass(eq=False)
class ReceivedMessage:
    """One delivered message. On a GROUP subscription settle it with ``ack()`` or
    ``nack(delay)`` (done for you after the handler when ``auto_ack``), or ``extend(seconds)``."""

    message: pb.Message
    position: Position
    delivery_count: int
    ts_accepted: int
    subscription: Subscription = field(repr=False)
    _stream: GatewayStream | None = field(default=None, repr=False)
    settled: bool = False
    #: conflated subscriptions: older messages of this key the gateway dropped, superseded by this one
    conflated_before: int = 0

    @property
    def topic(self) -> str:
        return self.message.topic

    @property
    def payload(self) -> bytes:
        return self.message.payload

    def ack(self) -> None:
        if not self.settled:
            self.settled = True
            self.subscription._settle(self, pb.ConnectRequest(ack=pb.Ack(
                subscription_id=self.subscription.id, positions=[self.position.to_proto()])))

    def nack(self, delay: float = 0.0) -> None:
        """Asks for redelivery after ``delay`` seconds (0: at once)."""
        if not self.settled:
            self.settled = True
            self.subscription._settle(self, pb.ConnectRequest(nack=pb.Nack(
                subscription_id=self.subscription.id, positions=[self.position.to_proto()],
                delay_ms=max(0, int(delay * 1000)))))

    def extend(self, seconds: float) -> None:
        """Extends this message's ack deadline by ``seconds``."""
        if not self.settled:
            self.subscription._settle(self, pb.ConnectRequest(extend_ack_deadline=pb.ExtendAckDeadline(
                subscription_id=self.subscription.id, positions=[self.position.to_proto()],
                extend_ms=max(0, int(seconds * 1000)))))


Handler = Callable[[ReceivedMessage], Awaitable[None] | None]
ResetHandler = Callable[[BackendReset], Awaitable[None] | None]
GapHandler = Callable[[Gap], Awaitable[None] | None]


class Subscription:
    """Handles deliveries one at a time, in order. Keeps ``received but not yet handled`` plus the
    credit the gateway still holds at most ``credit``, granting more as the handler finishes.
    Remembers the last position per topic, so a broadcast subscription resumes after a reconnect
    strictly after what it saw; a group member just rejoins (the gateway redelivers what it did
    not ack)."""

    def __init__(self, client: TidegateClient, subscription_id: str, patterns: Sequence[str], handler: Handler, *,
                 mode: SubscriptionMode, group: str, start: Start, credit: int, auto_ack: bool,
                 ack_deadline: float, strict_key_order: bool, retry_delay: float, conflate: bool = False,
                 on_reset: ResetHandler | None = None, on_gap: GapHandler | None = None,
                 instruments: Sequence[str] = (), data_kind: str = "") -> None:
        self._client = client
        self.id = subscription_id
        self.patterns = tuple(patterns)
        self.instruments = tuple(instruments)
        self.data_kind = data_kind
        self.mode = mode
        self.group = group
        self.start = start
        self.credit = credit
        self.auto_ack = auto_ack
        self.ack_deadline = ack_deadline
        self.strict_key_order = strict_key_order
        self.conflate = conflate
        self.retry_delay = retry_delay
        self._handler = handler
        self._on_reset = on_reset
        self._on_gap = on_gap
        self.resets: list[BackendReset] = []  # every BackendReset notice received, oldest first
        self.gaps: list[Gap] = []  # every Gap handled so far (in delivery order), oldest first
        self.last_positions: dict[str, Position] = {}
        self.confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.consumer_name = ""
        self.active = True
        self._queue: deque[ReceivedMessage | Gap] = deque()  # in the order the gateway sent them
        self._outstanding = 0  # received, handler not finished
        self._server_credit = 0  # deliveries the gateway may still send
        self._delivered_since_subscribe = 0
        self._subscribe_frame_id = 0
        self._waiting_to_subscribe = False
        self._first_subscribed_ns = 0
        self._stream: GatewayStream | None = None
        self._pending_acks: list[pb.Position] = []
        self._wake = asyncio.Event()
        self._runner = asyncio.get_running_loop().create_task(self._run(), name=f"tidegate-sub-{subscription_id}")

    @property
    def is_group(self) -> bool:
        return self.mode == SubscriptionMode.GROUP

    @property
    def buffered(self) -> int:
        """Messages received but not yet handled (never more than ``credit``)."""
        return self._outstanding

    # ------------------------------------------------------------------ stream events

    def attach(self, stream: GatewayStream) -> None:
        if not self.active or self._stream is stream:
            return
        self._stream = stream
        self._server_credit = 0
        self._subscribe()

    def _subscribe(self) -> None:
        assert self._stream is not None
        room = self.credit - self._outstanding
        if room <= 0:
            self._waiting_to_subscribe = True  # subscribe when the handler has room for one
            return
        self._waiting_to_subscribe = False
        start = self._next_start()
        self._subscribe_frame_id = self._client._next_frame_id()
        self._server_credit = room
        self._delivered_since_subscribe = 0
        frame = pb.ConnectRequest(frame_id=self._subscribe_frame_id, subscribe=pb.Subscribe(
            subscription_id=self.id, patterns=self.patterns, mode=int(self.mode), group=self.group,
            start=start, initial_credit=room, ack_deadline_ms=int(self.ack_deadline * 1000),
            strict_key_order=self.strict_key_order, conflate=self.conflate, instruments=self.instruments,
            data_kind=self.data_kind))
        if not self._stream.send(frame):
            self._server_credit = 0
        log.debug("subscription %s subscribing on %s from %s with credit %d", self.id, self._stream,
                  pb.StartPosition.Kind.Name(start.kind), room)

    def _next_start(self) -> pb.StartPosition:
        """The caller's start the first time; after a reconnect a group rejoins, and a broadcast
        subscription starts after the last position it saw per topic (topics it has not seen from
        where the original start would have put them)."""
        if self._first_subscribed_ns == 0:
            self._first_subscribed_ns = time.time_ns()
            return self.start.to_proto()
        if self.is_group:
            return self.start.to_proto()
        after: dict[str, Position] = {p.topic: p for p in self.start.after_positions}
        for topic, p in self.last_positions.items():
            if topic not in after or p.sort_key > after[topic].sort_key:
                after[topic] = p
        kind = self.start.kind
        if kind == pb.StartPosition.KIND_EARLIEST:
            others = 1  # the first entry of every stream
        elif kind in (pb.StartPosition.KIND_TIMESTAMP, pb.StartPosition.KIND_POSITION) and self.start.timestamp_nanos > 0:
            others = self.start.timestamp_nanos
        else:
            others = self._first_subscribed_ns
        return pb.StartPosition(kind=pb.StartPosition.KIND_POSITION, after=[p.to_proto() for p in after.values()],
                                timestamp_nanos=others)

    def on_subscribed(self, stream: GatewayStream, frame_id: int, subscribed: pb.Subscribed) -> None:
        if stream is not self._stream or frame_id != self._subscribe_frame_id:
            return
        if subscribed.credit > 0:
            self._server_credit = max(0, subscribed.credit - self._delivered_since_subscribe)
        self.consumer_name = subscribed.consumer_name
        log.debug("subscription %s confirmed on %s (consumer %r, credit %d)", self.id, stream,
                  subscribed.consumer_name, subscribed.credit)
        if not self.confirmed.done():
            self.confirmed.set_result(None)

    def on_frame_error(self, stream: GatewayStream, frame_id: int, error: pb.FrameError) -> None:
        code, msg = status_code(error.error.code), error.error.message
        if frame_id != self._subscribe_frame_id and error.frame_kind != "subscribe":
            log.warning("gateway rejected a %s frame of subscription %s: %s %s", error.frame_kind, self.id, code.name, msg)
            return
        if self.confirmed.done():
            log.error("gateway rejected re-subscribing %s; the subscription is closed: %s %s", self.id, code.name, msg)
        else:
            self.confirmed.set_exception(SubscribeError(self.id, code, msg))
        self._close_locally()

    def on_unsubscribed(self, stream: GatewayStream, frame_id: int, reason: str) -> None:
        """The gateway ended the subscription on its own: subscribe again shortly, resuming."""
        if frame_id != 0 or not self.active or stream is not self._stream:
            return
        log.warning("gateway ended subscription %s (%s); subscribing again", self.id, reason)
        self.on_stream_closed(stream)

        def again() -> None:
            if not stream.closed and self._client._current is stream:
                self.attach(stream)
        asyncio.get_running_loop().call_later(0.2, again)

    def on_backend_reset(self, stream: GatewayStream, reset: pb.BackendReset) -> None:
        """The gateway's backend lost its history: record it and tell ``on_reset``; delivery goes on."""
        if not self.active or stream is not self._stream:
            return
        notice = BackendReset(reset.subscription_id, reset.reason, reset.detected_at)
        self.resets.append(notice)
        log.error("subscription %s: the gateway's backend lost its stored history: %s", self.id, reset.reason)
        if self._on_reset is None:
            return
        try:
            result = self._on_reset(notice)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                task.add_done_callback(self._reset_handler_done)
        except Exception:
            log.exception("on_reset of subscription %s raised", self.id)

    def _reset_handler_done(self, task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("on_reset of subscription %s raised", self.id, exc_info=task.exception())

    def on_deliveries(self, stream: GatewayStream, batch: pb.DeliveryBatch) -> None:
        if not self.active or stream is not self._stream:
            return
        for d in batch.deliveries:
            p = Position.from_proto(d.position)
            last = self.last_positions.get(p.topic)
            if last is None or p.sort_key > last.sort_key:
                self.last_positions[p.topic] = p
            self._queue.append(ReceivedMessage(d.message, p, d.delivery_count, d.ts_accepted, self, stream,
                                               conflated_before=d.conflated_before))
            self._outstanding += 1
            self._server_credit -= 1
            self._delivered_since_subscribe += 1
        if self._server_credit < 0:
            log.warning("gateway sent %d deliveries beyond the credit on subscription %s", -self._server_credit, self.id)
            self._server_credit = 0
        self._wake.set()

    def on_gap(self, stream: GatewayStream, gap: pb.Gap) -> None:
        """Retention trimmed messages before this subscriber read them: queued in order with the
        deliveries, so ``on_gap`` runs between the messages before and after the hole."""
        if not self.active or stream is not self._stream:
            return
        self._queue.append(Gap.from_proto(gap))
        self._wake.set()

    def _queued_messages(self) -> int:
        return sum(1 for m in self._queue if isinstance(m, ReceivedMessage))

    def on_stream_closed(self, stream: GatewayStream) -> None:
        """A group drops what the handler has not started (the gateway redelivers it)."""
        if stream is not self._stream:
            return
        self._stream = None
        self._server_credit = 0
        self._waiting_to_subscribe = False
        self._pending_acks.clear()
        if self.is_group:
            self._outstanding -= self._queued_messages()
            self._queue.clear()

    # ------------------------------------------------------------------ handler

    async def _run(self) -> None:
        while self.active:
            if not self._queue:
                self._flush_acks()
                self._grant_credit()
                self._wake.clear()
                await self._wake.wait()
                continue
            m = self._queue.popleft()
            if isinstance(m, Gap):
                await self._tell_gap(m)
                continue
            try:
                with self._client._tracing.process(m.message, m.position.entry_id, m.delivery_count, self.group):
                    r = self._handler(m)
                    if inspect.isawaitable(r):
                        await r
                ok = True
            except asyncio.CancelledError:
                raise
            except Exception:
                ok = False
                log.exception("handler of subscription %s failed on %s", self.id, m.position)
            if self.is_group and not m.settled:
                if not ok:
                    m.nack(self.retry_delay)
                elif self.auto_ack:
                    m.settled = True
                    if m._stream is self._stream:
                        self._pending_acks.append(m.position.to_proto())
            self._outstanding -= 1
            if len(self._pending_acks) >= _ACK_BATCH:
                self._flush_acks()
            self._grant_credit()

    async def _tell_gap(self, gap: Gap) -> None:
        self.gaps.append(gap)
        if self._on_gap is None:
            log.warning("subscription %s: %s messages of %s after %s were trimmed by retention before they were read; "
                        "delivery goes on at %s", self.id, "some" if gap.lost is None else gap.lost, gap.topic,
                        gap.from_position or "the start", gap.to_position)
            return
        try:
            r = self._on_gap(gap)
            if inspect.isawaitable(r):
                await r
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("on_gap of subscription %s raised", self.id)

    def _flush_acks(self) -> None:
        if self._pending_acks and self._stream is not None:
            self._stream.send(pb.ConnectRequest(frame_id=self._client._next_frame_id(), ack=pb.Ack(
                subscription_id=self.id, positions=self._pending_acks)))
        self._pending_acks = []

    def _grant_credit(self) -> None:
        if not self.active or self._stream is None:
            return
        if self._waiting_to_subscribe:
            if self.credit - self._outstanding > 0:
                self._subscribe()
            return
        grant = self.credit - self._outstanding - self._server_credit
        threshold = 1 if not self._queue else max(1, self.credit // 4)
        if grant >= threshold:
            frame = pb.ConnectRequest(frame_id=self._client._next_frame_id(),
                                   credit=pb.Credit(subscription_id=self.id, messages=grant))
            if self._stream.send(frame):
                self._server_credit += grant

    def _settle(self, m: ReceivedMessage, frame: pb.ConnectRequest) -> None:
        if not self.is_group:
            return  # broadcast messages are not acked
        if m._stream is not self._stream or self._stream is None:
            log.debug("subscription %s: %s of %s dropped, its stream is gone (the gateway redelivers it)",
                      self.id, frame.WhichOneof("kind"), m.position)
            return
        frame.frame_id = self._client._next_frame_id()
        self._stream.send(frame)

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """Unsubscribes and stops the handler (messages not yet handled are dropped)."""
        stream = self._stream
        if not self.active:
            return
        self._flush_acks()
        self._close_locally()
        if stream is not None:
            stream.send(pb.ConnectRequest(frame_id=self._client._next_frame_id(),
                                       unsubscribe=pb.Unsubscribe(subscription_id=self.id)))

    def _close_locally(self) -> None:
        if not self.active:
            return
        self.active = False
        self._outstanding -= self._queued_messages()
        self._queue.clear()
        self._stream = None
        if not self.confirmed.done():
            self.confirmed.set_exception(SubscribeError(self.id, grpc.StatusCode.CANCELLED, "subscription closed"))
            self.confirmed.exception()  # retrieved: nobody may be waiting
        self._client._subscriptions.pop(self.id, None)
        current = asyncio.current_task()
        if current is not self._runner:
            self._runner.cancel()

    def __repr__(self) -> str:
        if self.instruments:
            return (f"Subscription({self.id!r}, {self.mode.name}, {list(self.patterns)}, "
                    f"{self.data_kind} of {list(self.instruments)})")
        return f"Subscription({self.id!r}, {self.mode.name}, {list(self.patterns)})"
