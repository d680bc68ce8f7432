"""A local venue WebSocket (and REST snapshot) server for the live-mode tests: each connection
plays the next script of frames in the venue's documented format, with injected faults."""
from __future__ import annotations

import asyncio
import http
import json
from collections.abc import Sequence
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from waits import until

# A script step: ("send", frame) | ("expect", text the client must send next) | ("drop",) (abrupt
# loss, no close frame) | ("until", predicate) (waits till the zero-argument predicate holds, e.g.
# the adapter applied a snapshot: what the venue does next then meets a known state). After its
# last step a connection stays open until the client leaves.
Step = tuple[Any, ...]


class VenueServer:
    def __init__(self, scripts: Sequence[Sequence[Step]], snapshots: Sequence[Any] = ()) -> None:
        self.scripts = list(scripts)
        # REST depth bodies served in order on GET /api/v3/depth (or the futures' /fapi, /dapi);
        # an int is an HTTP error status to answer
        self.snapshots = list(snapshots)
        self.received: list[list[str]] = []  # per connection, what the client sent
        self.snapshot_requests: list[str] = []
        self.finished = asyncio.Event()  # the last script played to its end
        self.url = ""
        self.http_url = ""

    def _rest(self, connection: ServerConnection, request: Request) -> Response | None:
        if not request.path.startswith(("/api/v3/depth", "/fapi/v1/depth", "/dapi/v1/depth")):
            return None
        self.snapshot_requests.append(request.path)
        if not self.snapshots:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "no snapshot\n")
        body = self.snapshots.pop(0)
        if isinstance(body, int):
            return connection.respond(http.HTTPStatus(body), "injected failure\n")
        return connection.respond(http.HTTPStatus.OK, json.dumps(body))

    async def _handler(self, ws: ServerConnection) -> None:
        index = len(self.received)
        got: list[str] = []
        self.received.append(got)
        arrived = asyncio.Condition()

        async def read() -> None:
            async for message in ws:
                async with arrived:
                    got.append(str(message))
                    arrived.notify_all()

        reader = asyncio.create_task(read())
        cursor = 0
        try:
            for step in self.scripts[index] if index < len(self.scripts) else []:
                if step[0] == "send":
                    await ws.send(step[1] if isinstance(step[1], str) else json.dumps(step[1]))
                elif step[0] == "expect":
                    async with arrived:
                        while not any(step[1] in m for m in got[cursor:]):
                            await arrived.wait()
                        cursor = next(i for i in range(cursor, len(got)) if step[1] in got[i]) + 1
                elif step[0] == "until":
                    await until(step[1], timeout=20, what="the script's condition")
                elif step[0] == "drop":
                    ws.transport.close()  # TCP FIN after what was sent, no close frame
                    return
            if index == len(self.scripts) - 1:
                self.finished.set()
            await ws.wait_closed()
        finally:
            reader.cancel()

    async def __aenter__(self) -> VenueServer:
        self._server = await websockets.serve(self._handler, "127.0.0.1", 0, process_request=self._rest)
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ws"
        self.rest_url = f"http://127.0.0.1:{port}"
        self.http_url = f"{self.rest_url}/api/v3/depth?symbol={{symbol}}&limit=1000"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()
