"""E-mail through an SMTP server (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0, use_tls: bool = False,
                 username: str | None = None, password: str | None = None) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout
        self._use_tls = use_tls
        self._username = username
        self._password = password

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        await aiosmtplib.send(
            message, hostname=self._host, port=self._port, timeout=self._timeout, start_tls=self._use_tls or None,
            username=self._username, password=self._password,
        )
