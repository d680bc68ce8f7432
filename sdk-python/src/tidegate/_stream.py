"""One Connect stream to one gateway, on a channel of its own."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import grpc

from ._proto import pb, pb_grpc

_CLOSE = None


class GatewayStream:
    """Wraps a grpc.aio Connect call. ``send`` never blocks: frames go through a queue that the
    request iterator drains, so any task may send and frames leave in ``send`` order."""

    def __init__(self, endpoint: str, channel_options: list[tuple[str, int]],
                 credentials: grpc.ChannelCredentials | None = None,
                 metadata: tuple[tuple[str, str], ...] = ()) -> None:
        self.endpoint = endpoint
        self.channel = (grpc.aio.secure_channel(endpoint, credentials, options=channel_options) if credentials
                        else grpc.aio.insecure_channel(endpoint, options=channel_options))
        self._outbox: asyncio.Queue[pb.ConnectRequest | None] = asyncio.Queue()
        self.call = pb_grpc.GatewayServiceStub(self.channel).Connect(self._requests(), metadata=metadata or None)
        self.closed = False
        self.draining = False
        self.dropped = ""  # why the client cancelled the call itself
        self._send_closed = False
        self.last_inbound = time.monotonic()
        self.session_id = ""
        self.gateway_id = ""

    async def _requests(self) -> AsyncIterator[pb.ConnectRequest]:
        while True:
            frame = await self._outbox.get()
            if frame is _CLOSE:
                return
            yield frame

    def send(self, frame: pb.ConnectRequest) -> bool:
        """Queues a frame; False when the stream no longer sends (the frame is dropped)."""
        if self.closed or self._send_closed:
            return False
        self._outbox.put_nowait(frame)
        return True

    async def read(self) -> pb.ConnectResponse | None:
        """The next frame, or None when the gateway ended the stream."""
        frame = await self.call.read()
        if frame is grpc.aio.EOF:
            return None
        self.last_inbound = time.monotonic()
        return frame

    def finish_sending(self) -> None:
        """Half-closes: the gateway may still send."""
        if not self._send_closed:
            self._send_closed = True
            self._outbox.put_nowait(_CLOSE)

    def cancel(self, reason: str) -> None:
        """Drops the call (reads then raise CancelledError; see ``dropped``)."""
        self.dropped = self.dropped or reason
        self._send_closed = True
        self.call.cancel()

    async def dispose(self) -> None:
        self.closed = True
        self._send_closed = True
        self.call.cancel()
        await self.channel.close(grace=None)

    def __str__(self) -> str:
        return f"stream to {self.endpoint}" + (f" (session {self.session_id})" if self.session_id else "")
