"""A TCP proxy the tests can cut, refuse, or silence, to make a client lose its gateway."""
from __future__ import annotations

import asyncio
import contextlib


class _Conn:
    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream = upstream
        self.muted = False  # drop everything the gateway sends

    def abort(self) -> None:
        self.client.transport.abort()
        self.upstream.transport.abort()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.refusing = False
        self.accepted = 0
        self._conns: set[_Conn] = set()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        conn = _Conn(writer, up_writer)
        self._conns.add(conn)
        try:
            await asyncio.gather(self._pipe(reader, up_writer, conn, False), self._pipe(up_reader, writer, conn, True))
        except asyncio.CancelledError:
            pass  # the test's loop is closing
        finally:
            self._conns.discard(conn)
            conn.abort()

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, conn: _Conn, downstream: bool) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                if downstream and conn.muted:
                    continue
                dst.write(data)
                await dst.drain()
        conn.abort()

    def cut(self) -> int:
        """Drops every open connection; returns how many."""
        conns = list(self._conns)
        for c in conns:
            c.abort()
        return len(conns)

    def mute(self) -> None:
        """Open connections stop passing what the gateway sends (the client still sends)."""
        for c in self._conns:
            c.muted = True

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
