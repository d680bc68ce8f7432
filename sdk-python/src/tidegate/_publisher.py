"""Batches publishes into PublishBatch frames and resolves each message's future from the acks."""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import grpc

from ._proto import pb
from ._stream import GatewayStream
from .errors import PublishError, status_code
from .model import Position, PublishReceipt
from .tracing import ClientTracing, end_error, end_ok

if TYPE_CHECKING:
    from opentelemetry.trace import Span

log = logging.getLogger("tidegate.publisher")

# Frame limit assumed when the gateway advertises none (an older gateway): gRPC's usual default for
# inbound messages, which any gateway takes.
FALLBACK_MAX_FRAME_BYTES = 4 << 20
# Most bytes a ConnectRequest adds around its PublishBatch: frame_id and the batch's tag and length.
FRAME_OVERHEAD_BYTES = 32


def _wire_size(message: pb.Message) -> int:
    """What the message adds to a PublishBatch: itself with its field tag and length prefix."""
    n = message.ByteSize()
    return 1 + (max(n.bit_length(), 1) + 6) // 7 + n


@dataclass(eq=False)
class _Pending:
    message: pb.Message
    future: asyncio.Future[PublishReceipt]
    span: Span | None = None
    size: int = field(init=False)
    unavailable: int = 0  # times the gateway refused it with UNAVAILABLE

    def __post_init__(self) -> None:
        self.size = _wire_size(self.message)


class Publisher:
    """A batch leaves when it is full (messages or bytes) or ``linger`` seconds after its first
    message. Its bytes stay within the frame limit the gateway advertises
    (``Welcome.limits.max_frame_bytes``); a message too large for any frame fails at once with
    RESOURCE_EXHAUSTED instead of being sent. Batches not acked when their stream dies are re-sent, in order and with the same ids,
    before anything newer once a stream is attached again (the gateway deduplicates by id). A
    message refused with UNAVAILABLE (a draining gateway) goes back to the front of the queue and
    is sent again on the next stream or after a short pause, up to ``UNAVAILABLE_RESENDS`` times."""

    UNAVAILABLE_RESENDS = 10
    RESEND_DELAY = 0.2

    def __init__(self, *, max_batch: int, max_batch_bytes: int, linger: float, max_pending: int,
                 tracing: ClientTracing) -> None:
        self._tracing = tracing
        self._max_batch_setting = max_batch
        self._max_batch = max_batch
        self._max_batch_bytes_setting = max_batch_bytes
        self._max_frame_content = FALLBACK_MAX_FRAME_BYTES - FRAME_OVERHEAD_BYTES
        self._max_batch_bytes = min(max_batch_bytes, self._max_frame_content)
        self._linger = linger
        self._max_pending = max_pending
        self._queue: deque[_Pending] = deque()
        self._queued_bytes = 0
        self._in_flight: dict[int, list[_Pending]] = {}
        self._batch_spans: dict[int, Span] = {}
        self._stream: GatewayStream | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._closed = False
        self._pending = 0
        self._next_frame_id = None  # set by the client
        self._idle = asyncio.Event()
        self._idle.set()

    def bind(self, next_frame_id) -> None:  # type: ignore[no-untyped-def]
        self._next_frame_id = next_frame_id

    @property
    def pending(self) -> int:
        """Publishes not yet acked or failed."""
        return self._pending

    def publish(self, message: pb.Message) -> asyncio.Future[PublishReceipt]:
        loop = asyncio.get_running_loop()
        if not message.id:
            message.id = str(uuid.uuid4())
        p = _Pending(message, loop.create_future(), self._tracing.start_publish(message))
        if self._closed:
            self._refuse(p, grpc.StatusCode.CANCELLED, "client is closed")
            return p.future
        if self._pending >= self._max_pending:
            self._refuse(p, grpc.StatusCode.RESOURCE_EXHAUSTED,
                         f"{self._pending} publishes are awaiting acks (max_pending={self._max_pending}); "
                         "await earlier publishes first, or is the gateway reachable?")
            return p.future
        self._pending += 1
        self._idle.clear()
        self._queue.append(p)
        self._queued_bytes += p.size
        if self._stream is not None:
            if len(self._queue) >= self._max_batch or self._queued_bytes >= self._max_batch_bytes:
                self._send(all_=False)
            self._schedule_flush()
        return p.future

    def _schedule_flush(self) -> None:
        if self._flush_handle is None and self._queue:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(self._linger, self.flush)

    def flush(self) -> None:
        """Sends what is queued now instead of after the linger time."""
        self._flush_handle = None
        self._send(all_=True)

    def _send(self, *, all_: bool) -> None:
        while self._stream is not None and self._queue:
            if not all_ and len(self._queue) < self._max_batch and self._queued_bytes < self._max_batch_bytes:
                return
            batch: list[_Pending] = []
            size = 0
            while self._queue and len(batch) < self._max_batch:
                p = self._queue[0]
                if p.size > self._max_frame_content:
                    self._queue.popleft()
                    self._queued_bytes -= p.size
                    self._fail(p, grpc.StatusCode.RESOURCE_EXHAUSTED,
                               f"message is {p.size} bytes serialized, more than a publish frame holds "
                               f"({self._max_frame_content + FRAME_OVERHEAD_BYTES} bytes, the gateway's "
                               "max_frame_bytes); make it smaller")
                    continue
                if batch and size + p.size > self._max_batch_bytes:
                    break
                self._queue.popleft()
                if p.future.done():  # cancelled by the caller before it left
                    self._queued_bytes -= p.size
                    end_error(p.span, grpc.StatusCode.CANCELLED.name, "cancelled by the caller before it was sent")
                    self._settled()
                    continue
                batch.append(p)
                size += p.size
            self._queued_bytes -= size
            if not batch:
                continue
            frame_id = self._next_frame_id()
            self._in_flight[frame_id] = batch
            if self._tracing.enabled and len(batch) > 1:
                self._start_batch_span(frame_id, batch)
            frame = pb.ConnectRequest(frame_id=frame_id, publish=pb.PublishBatch(messages=[p.message for p in batch]))
            if not self._stream.send(frame):
                del self._in_flight[frame_id]
                self._end_batch_span(frame_id, grpc.StatusCode.UNAVAILABLE, "stream closed before the batch left")
                self._queue.extendleft(reversed(batch))
                self._queued_bytes += size
                self._stream = None
                return

    def attach(self, stream: GatewayStream, gateway_max_batch: int, gateway_max_frame_bytes: int = 0) -> None:
        """A stream is up: send everything queued, re-sent messages first, in frames within the
        gateway's limits (0 when it advertises none)."""
        self._stream = stream
        self._max_batch = min(gateway_max_batch, self._max_batch_setting) if gateway_max_batch > 0 else self._max_batch_setting
        frame_limit = gateway_max_frame_bytes if gateway_max_frame_bytes > 0 else FALLBACK_MAX_FRAME_BYTES
        self._max_frame_content = max(1, frame_limit - FRAME_OVERHEAD_BYTES)
        self._max_batch_bytes = min(self._max_batch_bytes_setting, self._max_frame_content)
        self._send(all_=True)

    def pause(self, stream: GatewayStream) -> None:
        """The gateway is draining: send nothing more on it, but keep waiting for its acks."""
        if self._stream is stream:
            self._stream = None

    def on_stream_closed(self, stream: GatewayStream) -> None:
        """Every batch the stream did not ack goes back to the front of the queue."""
        if self._stream is stream:
            self._stream = None
        if not self._in_flight:
            return
        unacked = [p for batch in self._in_flight.values() for p in batch]
        for frame_id in self._in_flight:
            self._end_batch_span(frame_id, grpc.StatusCode.UNAVAILABLE, "stream closed before the ack; re-sent")
        self._in_flight.clear()
        self._queue.extendleft(reversed(unacked))
        self._queued_bytes += sum(p.size for p in unacked)
        log.info("%d publishes not acked on %s; they will be re-sent with the same ids", len(unacked), stream)

    def on_ack(self, frame_id: int, ack: pb.PublishAck) -> None:
        batch = self._in_flight.pop(frame_id, None)
        if batch is None:
            log.warning("PublishAck for unknown frame %d ignored", frame_id)
            return
        end_ok(self._batch_spans.pop(frame_id, None))
        answered = [False] * len(batch)
        resend: list[_Pending] = []
        for r in ack.results:
            i = r.index
            if i >= len(batch) or answered[i]:
                log.warning("PublishAck carries a result for index %d of a %d-message batch; ignored", i, len(batch))
                continue
            answered[i] = True
            p = batch[i]
            code = status_code(r.error.code) if r.HasField("error") else grpc.StatusCode.OK
            if code == grpc.StatusCode.UNAVAILABLE and not p.future.done() and p.unavailable < self.UNAVAILABLE_RESENDS:
                p.unavailable += 1
                resend.append(p)
            elif r.HasField("error"):
                self._fail(p, code, r.error.message)
            else:
                self._complete(p, PublishReceipt(r.message_id or p.message.id, Position.from_proto(r.position), r.duplicate))
        for i, ok in enumerate(answered):
            if not ok:
                self._fail(batch[i], grpc.StatusCode.INTERNAL, "the gateway's PublishAck had no result for this message")
        if resend:
            self._queue.extendleft(reversed(resend))
            self._queued_bytes += sum(p.size for p in resend)
            log.debug("%d publishes refused with UNAVAILABLE; sending them again", len(resend))
            asyncio.get_running_loop().call_later(self.RESEND_DELAY, self.flush)

    def on_frame_error(self, frame_id: int, error: pb.FrameError) -> bool:
        """True when ``frame_id`` was one of our publish frames (its messages then fail)."""
        batch = self._in_flight.pop(frame_id, None)
        if batch is None:
            return False
        self._end_batch_span(frame_id, status_code(error.error.code), error.error.message)
        for p in batch:
            self._fail(p, status_code(error.error.code), error.error.message)
        return True

    def _complete(self, p: _Pending, receipt: PublishReceipt) -> None:
        if not p.future.done():
            p.future.set_result(receipt)
        if p.span is not None:
            end_ok(p.span, {"tidegate.position": receipt.position.entry_id, "tidegate.duplicate": receipt.duplicate})
        self._settled()

    def _fail(self, p: _Pending, code: grpc.StatusCode, message: str) -> None:
        if not p.future.done():
            p.future.set_exception(PublishError(p.message.id, code, message))
        end_error(p.span, code.name, message)
        self._settled()

    def _refuse(self, p: _Pending, code: grpc.StatusCode, message: str) -> None:
        """Fails a publish that never counted as pending."""
        p.future.set_exception(PublishError(p.message.id, code, message))
        end_error(p.span, code.name, message)

    def _start_batch_span(self, frame_id: int, batch: list[_Pending]) -> None:
        span = self._tracing.start_batch([p.span for p in batch], {p.message.topic for p in batch})
        if span is not None:
            self._batch_spans[frame_id] = span

    def _end_batch_span(self, frame_id: int, code: grpc.StatusCode, message: str) -> None:
        end_error(self._batch_spans.pop(frame_id, None), code.name, message)

    def _settled(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self._idle.set()

    async def drain(self, timeout: float | None) -> None:
        """Sends what is queued and waits up to ``timeout`` until every publish is settled."""
        self.flush()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            pass

    def close(self) -> None:
        """Fails whatever is still pending with CANCELLED."""
        self._closed = True
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        left = list(self._queue) + [p for b in self._in_flight.values() for p in b]
        for frame_id in self._in_flight:
            self._end_batch_span(frame_id, grpc.StatusCode.CANCELLED, "client closed")
        self._queue.clear()
        self._in_flight.clear()
        self._stream = None
        for p in left:
            self._fail(p, grpc.StatusCode.CANCELLED, "client closed before the gateway acked this message")
