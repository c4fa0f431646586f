"""An aiohttp server with a client session to its upstream, on its own event loop in a
background thread, so tests drive it with plain method calls."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp import web

_MAX_BODY_BYTES = 256 * 1024 * 1024


class ProxyServer:
    """Lifecycle of a reverse proxy. Subclasses answer requests in `_handle`.

    Use as a context manager, or call `start()` and `stop()`.
    """

    def __init__(
        self, upstream_url: str, *, host: str = "127.0.0.1", port: int = 0, max_connections: int
    ) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self._host, self._port = host, port
        self._max_connections = max_connections
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._session: aiohttp.ClientSession | None = None

    @property
    def endpoint_url(self) -> str:
        if not self._started.done():
            raise RuntimeError("the proxy is not started")
        return f"http://{self._host}:{self._started.result()}"

    def start(self, timeout: float = 15.0) -> Self:
        if self._thread is not None:
            raise RuntimeError("the proxy is already started")
        self._started = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()
        self._started.result(timeout=timeout)
        return self

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if thread.is_alive() and self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        thread.join(timeout=15.0)
        if thread.is_alive():
            raise RuntimeError("the proxy thread did not stop within 15 s")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    def _session_opened(self, session: aiohttp.ClientSession) -> None:
        """Called on the proxy loop once the upstream session exists, before serving."""

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:
            if not self._started.done():
                self._started.set_exception(error)
            raise
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        # moto's server closes every connection after one answer, so none is kept for reuse.
        connector = aiohttp.TCPConnector(limit=self._max_connections, force_close=True)
        session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
        )
        self._session = session
        self._session_opened(session)
        app = web.Application(client_max_size=_MAX_BODY_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, auto_decompress=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port, backlog=1024)
            await site.start()
            self._started.set_result(runner.addresses[0][1])
            await self._stopping.wait()
        finally:
            await runner.cleanup()
            await session.close()
