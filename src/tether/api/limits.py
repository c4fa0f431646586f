"""Request-size limit and security headers, as plain ASGI middleware."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Answer 413 for bodies above ``max_bytes``, whether or not Content-Length is sent.

    The body is read up front (it is small by definition) and replayed to the app, so the
    limit holds for chunked uploads too and the app never sees a truncated body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "invalid_request", "Content-Length: not a number")
                    return
                if declared > self.max_bytes:
                    await _reply_too_large(send, self.max_bytes)
                    return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # a disconnect: let the app see it
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await _reply_too_large(send, self.max_bytes)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replaying_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replaying_receive, send)


async def _reply_too_large(send: Send, max_bytes: int) -> None:
    await _reply(send, 413, "payload_too_large", f"the body exceeds {max_bytes} bytes")


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# The console runs no inline script and loads nothing from elsewhere. Swagger UI (/docs)
# ships an inline bootstrap script, so it is left out.
CONTENT_SECURITY_POLICY = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
WITHOUT_CSP = ("/docs", "/redoc", "/static/docs")
# Sent only over HTTPS (RFC 6797 §7.2): directly, or behind a proxy in
# TETHER_FORWARDED_ALLOW_IPS that says the client used TLS.
STRICT_TRANSPORT_SECURITY = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = list(SECURITY_HEADERS)
        if not str(scope.get("path", "")).startswith(WITHOUT_CSP):
            headers.append(CONTENT_SECURITY_POLICY)
        if scope.get("scheme") == "https":
            headers.append(STRICT_TRANSPORT_SECURITY)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + headers
            await send(message)

        await self.app(scope, receive, with_headers)
