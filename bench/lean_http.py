"""A lean HTTP/1.1 client for generating load: keep-alive connections on asyncio streams.

Measured on the 2-core machine, httpx's AsyncClient was the bottleneck of every benchmark:
one core at 98 % while the service under test idled, and its throughput fell as its pool
grew (cap-service's ``/healthz``: 290 requests/s over 8 connections, 81 over 128, the service
at 13 % of a core). Decisions "capped" at 35-40/s whatever the offered rate were that
client's ceiling. This one, on the same machine: 1,160-1,190 requests/s over 8 or 128
connections with cap-service at 95 % of a core, and its own process at 28 %. It does only
what the benchmarks need (a request line, a few headers, a JSON body; a response with
Content-Length or chunked), so the figures are the platform's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


def split_url(url: str) -> tuple[str, str]:
    """``http://host:port/a/b?q`` -> (``http://host:port``, ``/a/b?q``): the origin and the path to request."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path + (f"?{parts.query}" if parts.query else "")


class LeanResponse:
    __slots__ = ("status_code", "content")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class LeanHttpClient:
    """At most ``connections`` keep-alive connections to one origin; more requests wait for a free one."""

    def __init__(self, base_url: str, connections: int = 32, headers: dict[str, str] | None = None,
                 timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http":
            raise ValueError("the lean client speaks plain http to the local stack only")
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._host_header = parts.netloc
        self._headers = dict(headers or {})
        self._timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)

    async def __aenter__(self) -> LeanHttpClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def get(self, path: str, headers: dict[str, str] | None = None) -> LeanResponse:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> LeanResponse:
        return await self.request("POST", path, json_body=json, headers=headers)

    async def request(self, method: str, path: str, json_body: Any = None,
                      headers: dict[str, str] | None = None) -> LeanResponse:
        """Send one request; a broken connection raises ``ConnectionError`` (the caller counts it)."""
        body = b"" if json_body is None else json.dumps(json_body).encode()
        lines = [f"{method} {self._prefix}{path} HTTP/1.1", f"Host: {self._host_header}",
                 f"Content-Length: {len(body)}"]
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in {**self._headers, **(headers or {})}.items()]
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                response, keep = await asyncio.wait_for(self._exchange(connection, payload), self._timeout)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                connection.close()
                raise ConnectionError(f"{method} {path}: {error!r}") from error
            if keep:
                self._idle.append(connection)
            else:
                connection.close()
            return response

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        return _Connection(reader, writer)

    @staticmethod
    async def _exchange(connection: _Connection, payload: bytes) -> tuple[LeanResponse, bool]:
        connection.writer.write(payload)
        await connection.writer.drain()
        reader = connection.reader
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, keep = None, False, not status_line.startswith(b"HTTP/1.0")
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection":
                keep = value != b"close"
        if chunked:
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            content = b"".join(parts)
        elif length is not None:
            content = await reader.readexactly(length)
        else:  # no length: the body runs to the end of the connection
            content, keep = await reader.read(), False
        return LeanResponse(status, content), keep
