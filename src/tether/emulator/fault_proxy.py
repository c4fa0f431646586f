"""A reverse proxy in front of moto that behaves like AWS where moto does not.

It enforces trust policies, External IDs and session-duration limits on sts:AssumeRole,
and injects failures chosen by `FaultRule`s: disabled regions, IAM/SCP denials,
throttling, 5xx answers, connection resets and latency. Everything else is forwarded
byte for byte. The proxy runs its own event loop in a background thread, so tests
control it with plain method calls.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from types import TracebackType

import aiohttp
from aiohttp import web

from tether.emulator.assume_role import MotoIdentity, assume_role_rejection, shorten_expiration
from tether.emulator.aws_errors import DenyWording, ErrorContext
from tether.emulator.aws_requests import (
    Protocol,
    ServiceCatalog,
    ServiceInfo,
    credential_scope,
    operation_name,
    request_protocol,
)
from tether.emulator.faults import CallCounters, FaultKind, FaultRule, RequestFacts, RuleBook
from tether.emulator.forwarding import error_response, forward, request_params, reset_connection

_MAX_BODY_BYTES = 256 * 1024 * 1024


class FaultProxy:
    """The proxy. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(
        self,
        upstream_url: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        max_connections: int = 1024,
    ) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self._host, self._port = host, port
        self._max_connections = max_connections
        self._rules = RuleBook(seed)
        self._catalog = ServiceCatalog()
        self._lifetime_seconds: float | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._session: aiohttp.ClientSession | None = None
        self._identity: MotoIdentity | None = None

    # -- control surface (any thread) -------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if not self._started.done():
            raise RuntimeError("the proxy is not started")
        return f"http://{self._host}:{self._started.result()}"

    def add_rule(
        self,
        kind: FaultKind | str,
        *,
        account_id: str | None = None,
        region: str | None = None,
        service: str | None = None,
        action: str | None = None,
        method: str | None = None,
        path_prefix: str | None = None,
        role_arn: str | None = None,
        first_n: int | None = None,
        probability: float | None = None,
        duration_seconds: float | None = None,
        wording: DenyWording = "iam",
        status: int = 500,
        code: str | None = None,
        latency_ms: tuple[float, float] = (100.0, 100.0),
    ) -> FaultRule:
        """Add a rule; `service` is the SigV4 signing name (ec2, s3, sts, dynamodb, ...)."""
        rule = FaultRule(
            kind=FaultKind(kind),
            account_id=account_id,
            region=region,
            service=service,
            action=action,
            method=method,
            path_prefix=path_prefix,
            role_arn=role_arn,
            first_n=first_n,
            probability=probability,
            duration_seconds=duration_seconds,
            wording=wording,
            status=status,
            code=code,
            latency_ms=latency_ms,
        )
        return self._rules.add(rule)

    def remove_rule(self, rule: FaultRule) -> None:
        self._rules.remove(rule)

    def clear_rules(self) -> None:
        self._rules.clear()

    def set_latency(self, min_ms: float, max_ms: float) -> None:
        """Delay every request by a uniform random time in [min_ms, max_ms]."""
        self._rules.set_latency(min_ms, max_ms)

    def clear_latency(self) -> None:
        self._rules.clear_latency()

    @property
    def credential_lifetime_seconds(self) -> float | None:
        """When set, AssumeRole credentials expire at most this long after issue."""
        return self._lifetime_seconds

    @credential_lifetime_seconds.setter
    def credential_lifetime_seconds(self, seconds: float | None) -> None:
        self._lifetime_seconds = seconds

    def counters(self) -> CallCounters:
        return self._rules.counters()

    def reset_counters(self) -> None:
        self._rules.reset_counters()

    def reset(self) -> None:
        """Back to a transparent proxy: no rules, no latency, no lifetime cap, zero counts."""
        self.clear_rules()
        self.clear_latency()
        self.credential_lifetime_seconds = None
        self.reset_counters()

    # -- lifecycle --------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> FaultProxy:
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

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

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
        self._identity = MotoIdentity(session, self.upstream_url)
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

    # -- request handling (proxy loop) ---------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._identity is not None
        body = await request.read()
        params = request_params(request, body)
        scope = credential_scope(request.headers, request.query)
        service = scope.service if scope else None
        info = await self._service_info(service) if service else None
        protocol = request_protocol(info, request.headers, "Action" in params, service or "")
        action = operation_name(
            info, protocol, request.method, request.path, params, request.headers
        )
        caller = (
            await self._identity.caller(scope, request.headers, request.query) if scope else None
        )
        is_assume_role = service == "sts" and action == "AssumeRole"
        facts = RequestFacts(
            account_id=caller.account_id if caller else None,
            caller_arn=caller.arn if caller else None,
            region=scope.region if scope else None,
            service=service,
            action=action,
            method=request.method,
            path=request.path,
            role_arn=params.get("RoleArn") if is_assume_role else None,
        )
        decision = self._rules.decide(facts)
        if decision.delay_seconds > 0:
            await asyncio.sleep(decision.delay_seconds)
        if decision.fault is not None:
            return await self._inject(request, decision.fault, facts, protocol, info)
        if is_assume_role:
            rejection = await assume_role_rejection(self._identity, params, caller)
            if rejection is not None:
                self._rules.record_rejection(facts)
                return error_response(rejection, protocol, info)
        lifetime = self._lifetime_seconds
        rewrite = None
        if is_assume_role and lifetime is not None:
            rewrite = functools.partial(shorten_expiration, lifetime_seconds=lifetime)
        assert self._session is not None
        return await forward(self._session, self.upstream_url, request, body, rewrite)

    async def _service_info(self, signing_name: str) -> ServiceInfo:
        info = self._catalog.cached(signing_name)
        if info is None:
            # Reading a botocore model is file I/O: keep it off the event loop.
            loop = asyncio.get_running_loop()
            info = await loop.run_in_executor(None, self._catalog.load, signing_name)
        return info

    async def _inject(
        self,
        request: web.Request,
        rule: FaultRule,
        facts: RequestFacts,
        protocol: Protocol,
        info: ServiceInfo | None,
    ) -> web.StreamResponse:
        if rule.kind is FaultKind.CONNECTION_RESET:
            return reset_connection(request)
        ctx = ErrorContext(
            protocol=protocol,
            service=facts.service or "",
            action=facts.action,
            caller_arn=facts.caller_arn,
            account_id=facts.account_id,
            region=facts.region,
            resource_arn=facts.role_arn,
        )
        return error_response(rule.error(ctx), protocol, info)
