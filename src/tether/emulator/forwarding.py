"""Pass a request to moto and its answer back unchanged, or answer in moto's place."""

from __future__ import annotations

import socket
import struct
import urllib.parse
from collections.abc import Callable

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from tether.emulator.aws_errors import AwsError, render
from tether.emulator.aws_requests import Protocol, ServiceInfo

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_CHUNK_BYTES = 64 * 1024


def request_params(request: web.Request, body: bytes) -> dict[str, str]:
    """Query parameters, plus form fields for query-protocol POSTs."""
    params = dict(request.query)
    content_type = request.headers.get("Content-Type", "")
    if (
        body
        and content_type.startswith("application/x-www-form-urlencoded")
        and "Content-Encoding" not in request.headers
    ):
        params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
    return params


async def forward(
    session: aiohttp.ClientSession,
    upstream_url: str,
    request: web.Request,
    body: bytes,
    rewrite: Callable[[bytes], bytes] | None = None,
) -> web.StreamResponse:
    """Send the request on as it came (bytes, headers, encoding) and stream the answer back.

    `rewrite`, when given, edits a successful answer's body (it is then read whole).
    """
    headers = CIMultiDict(
        (k, v)
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
    )
    url = URL(upstream_url + request.raw_path, encoded=True)
    data = body if body or request.body_exists else None
    async with session.request(
        request.method, url, headers=headers, data=data, allow_redirects=False
    ) as upstream:
        response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
        for key, value in upstream.headers.items():
            if key.lower() not in HOP_BY_HOP:
                response.headers.add(key, value)
        if rewrite is not None and upstream.status == 200:
            answer = rewrite(await upstream.read())
            response.headers["Content-Length"] = str(len(answer))
            await response.prepare(request)
            await response.write(answer)
        else:
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(_CHUNK_BYTES):
                await response.write(chunk)
        await response.write_eof()
        return response


def error_response(error: AwsError, protocol: Protocol, info: ServiceInfo | None) -> web.Response:
    wire = render(error, protocol, info)
    return web.Response(status=wire.status, headers=wire.headers, body=wire.body)


def reset_connection(request: web.Request) -> web.Response:
    """Close the client's socket with a TCP RST and no answer.

    The returned response is never sent: aiohttp drops it as the connection is gone.
    """
    transport = request.transport
    if transport is not None:
        sock: socket.socket | None = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=500)
