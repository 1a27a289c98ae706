"""Readiness probes: stdlib sockets (they must work before any venv exists), never sleeps."""

from __future__ import annotations

import socket
import struct
from typing import Callable

from .common import http_status
from .topology import HOST


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _kafka_call(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    """One request with header v1 (non-flexible); returns the response body."""
    client = b"stack-probe"
    header = struct.pack(">hhih", api_key, version, 7, len(client)) + client
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", _recv_exact(sock, 4))[0]
    data = _recv_exact(sock, size)
    return data[4:]  # drop correlation id (response header v0)


def kafka_ready(port: int) -> bool:
    """A TCP connect is not enough: the broker must answer ApiVersions and a
    Metadata request that lists at least one broker."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.settimeout(2.0)
            body = _kafka_call(sock, 18, 0, b"")  # ApiVersions v0
            error, count = struct.unpack(">hi", body[:6])
            if error not in (0, 35):  # 35 = UNSUPPORTED_VERSION, still lists ranges
                return False
            ranges = {}
            for i in range(count):
                key, lo, hi = struct.unpack(">hhh", body[6 + 6 * i: 12 + 6 * i])
                ranges[key] = (lo, hi)
            lo, hi = ranges.get(3, (0, -1))
            if not lo <= 4 <= hi:  # Metadata v4 is the oldest Kafka 4 still has
                return error == 0
            # Metadata v4: all topics (null array), no auto-creation.
            body = _kafka_call(sock, 3, 4, struct.pack(">ib", -1, 0))
            brokers = struct.unpack(">i", body[4:8])[0]  # after throttle_time_ms
            return brokers >= 1
    except (OSError, ConnectionError, struct.error):
        return False


def _bson_ok(doc: bytes) -> bool:
    """Find the top-level numeric 'ok' field of a BSON document."""
    pos, end = 4, struct.unpack("<i", doc[:4])[0] - 1
    fixed = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}
    while pos < end:
        kind = doc[pos]
        name_end = doc.index(b"\x00", pos + 1)
        name = doc[pos + 1:name_end]
        pos = name_end + 1
        if name == b"ok":
            if kind == 0x01:
                return struct.unpack("<d", doc[pos:pos + 8])[0] == 1.0
            if kind == 0x10:
                return struct.unpack("<i", doc[pos:pos + 4])[0] == 1
            return False
        if kind in fixed:
            pos += fixed[kind]
        elif kind == 0x02:
            pos += 4 + struct.unpack("<i", doc[pos:pos + 4])[0]
        elif kind in (0x03, 0x04):
            pos += struct.unpack("<i", doc[pos:pos + 4])[0]
        elif kind == 0x05:
            pos += 5 + struct.unpack("<i", doc[pos:pos + 4])[0]
        else:
            return False
    return False


def mongo_ready(port: int) -> bool:
    """MongoDB `ping` as one OP_MSG, answered with ok: 1."""
    def cstr(s: str) -> bytes:
        return s.encode() + b"\x00"
    elements = (b"\x10" + cstr("ping") + struct.pack("<i", 1)
                + b"\x02" + cstr("$db") + struct.pack("<i", 6) + cstr("admin"))
    doc = struct.pack("<i", 4 + len(elements) + 1) + elements + b"\x00"
    body = struct.pack("<I", 0) + b"\x00" + doc  # flagBits, section kind 0
    msg = struct.pack("<iiii", 16 + len(body), 1, 0, 2013) + body
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.settimeout(2.0)
            sock.sendall(msg)
            length = struct.unpack("<i", _recv_exact(sock, 4))[0]
            reply = _recv_exact(sock, length - 4)
            return _bson_ok(reply[12 + 4 + 1:])  # header rest, flags, kind
    except (OSError, ConnectionError, struct.error, ValueError):
        return False


def http_ready(url: str) -> Callable[[], bool]:
    return lambda: http_status(url) == 200
