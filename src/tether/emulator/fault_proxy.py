"""A reverse proxy in front of moto that behaves like AWS where moto does not.

It enforces trust policies, External IDs and session-duration limits on sts:AssumeRole,
and injects failures chosen by `FaultRule`s: disabled regions, IAM/SCP denials,
throttling, 5xx answers, connection resets and latency. On its own it refuses access key
ids moto never issued, signatures that do not match a known secret, calls to opt-in
regions an account has not enabled and calls signed with expired temporary credentials,
and answers ec2:DescribeRegions with each account's opt-in status. Everything else is
forwarded byte for byte. The proxy runs its own event loop in a background thread,
so tests control it with plain method calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

import aiohttp
from aiohttp import web

from tether.emulator.access_keys import KeyRing, never_issued
from tether.emulator.assume_role import MotoIdentity, assume_role_rejection, shorten_expiration
from tether.emulator.aws_errors import AwsError, DenyWording
from tether.emulator.aws_requests import (
    CredentialScope,
    ServiceCatalog,
    ServiceInfo,
    credential_scope,
    operation_name,
    request_protocol,
)
from tether.emulator.faults import (
    CallCounters,
    FaultKind,
    FaultRule,
    Refusal,
    RequestFacts,
    RuleBook,
)
from tether.emulator.forwarding import error_response, forward, request_params, reset_connection
from tether.emulator.proxy_server import ProxyServer
from tether.emulator.regions import DisabledRegions, all_regions, describe_regions
from tether.emulator.sessions import CREDENTIAL_ACTIONS, SessionRegistry
from tether.emulator.signatures import ReceivedRequest

# moto's header for acting in an account: set-up traffic, which moto's rules govern.
MOTO_ACCOUNT_HEADER = "x-moto-account-id"


class FaultProxy(ProxyServer):
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
        super().__init__(upstream_url, host=host, port=port, max_connections=max_connections)
        self._rules = RuleBook(seed)
        self._catalog = ServiceCatalog()
        self._lifetime_seconds: float | None = None
        self._disabled = DisabledRegions()
        self._sessions = SessionRegistry()
        self._keys = KeyRing()
        self._identity: MotoIdentity | None = None
        # Reads botocore's endpoint data now, on this thread rather than the proxy loop.
        all_regions()

    # -- control surface (any thread) -------------------------------------------------

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

    def set_disabled_regions(self, regions: Iterable[str], account_id: str | None = None) -> None:
        """Opt-in regions (from `OPT_IN_REGIONS`) that `account_id`, or by default every
        account, has not enabled. An account's own setting replaces the default: pass an
        empty list to give one account every region."""
        self._disabled.set(regions, account_id)

    def clear_disabled_regions(self) -> None:
        """Every opt-in region enabled for every account again."""
        self._disabled.clear()

    def disabled_regions(self, account_id: str | None = None) -> frozenset[str]:
        return self._disabled.for_account(account_id)

    @property
    def credential_lifetime_seconds(self) -> float | None:
        """When set, temporary credentials from STS expire at most this long after issue."""
        return self._lifetime_seconds

    @credential_lifetime_seconds.setter
    def credential_lifetime_seconds(self, seconds: float | None) -> None:
        self._lifetime_seconds = seconds

    @property
    def reject_expired_credentials(self) -> bool:
        """Refuse requests signed with temporary credentials past their Expiration (on by
        default)."""
        return self._sessions.enforced

    @reject_expired_credentials.setter
    def reject_expired_credentials(self, value: bool) -> None:
        self._sessions.enforced = value

    def credential_expiration(self, access_key_id: str) -> datetime | None:
        """The Expiration the proxy handed out with this temporary access key, if any."""
        return self._sessions.expiration(access_key_id)

    def register_secret(self, access_key_id: str, secret_access_key: str) -> None:
        """Check signatures made with this access key against this secret. Keys from
        CreateAccessKey and STS answers passing through the proxy are registered on their
        own; other keys are known by id only, and their signatures go unchecked."""
        self._keys.register(access_key_id, secret_access_key)

    def knows_secret(self, access_key_id: str) -> bool:
        return self._keys.knows(access_key_id)

    @property
    def verify_signatures(self) -> bool:
        """Refuse requests whose SigV4 signature does not match the registered secret of
        their access key (on by default). Set-up calls with moto's x-moto-account-id
        header are exempt from this and from the unknown-key check."""
        return self._keys.verify

    @verify_signatures.setter
    def verify_signatures(self, value: bool) -> None:
        self._keys.verify = value

    def counters(self) -> CallCounters:
        return self._rules.counters()

    def reset_counters(self) -> None:
        self._rules.reset_counters()

    def reset(self) -> None:
        """Back to a transparent proxy: no rules, no latency, no lifetime cap, every region
        enabled, expired credentials refused, signatures checked, zero counts. Issued
        sessions and known secrets stay known."""
        self.clear_rules()
        self.clear_latency()
        self.credential_lifetime_seconds = None
        self.clear_disabled_regions()
        self.reject_expired_credentials = True
        self.verify_signatures = True
        self.reset_counters()

    # -- request handling (proxy loop) ---------------------------------------------------

    def _session_opened(self, session: aiohttp.ClientSession) -> None:
        self._identity = MotoIdentity(session, self.upstream_url)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._identity is not None
        assert self._session is not None
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
        checked = scope is not None and MOTO_ACCOUNT_HEADER not in request.headers
        unknown_key = checked and caller is not None and never_issued(caller.arn)
        if unknown_key:
            caller = None  # AWS knows no principal for the key: none is reported or matched
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
        refusal = self._refusal(request, body, scope if checked else None, facts, unknown_key)
        decision = self._rules.decide(facts, refusal)
        if decision.delay_seconds > 0:
            await asyncio.sleep(decision.delay_seconds)
        if refusal is not None:
            return error_response(refusal.error(facts.error_context(protocol)), protocol, info)
        if decision.fault is not None:
            if decision.fault.kind is FaultKind.CONNECTION_RESET:
                return reset_connection(request)
            error = decision.fault.error(facts.error_context(protocol))
            return error_response(error, protocol, info)
        if is_assume_role:
            rejection = await assume_role_rejection(self._identity, params, caller)
            if rejection is not None:
                self._rules.record_rejection(facts)
                return error_response(rejection, protocol, info)
        if service == "ec2" and action == "DescribeRegions":
            answer = describe_regions(params, self._disabled.for_account(facts.account_id))
            if isinstance(answer, AwsError):
                return error_response(answer, protocol, info)
            return web.Response(status=answer.status, headers=answer.headers, body=answer.body)
        rewrite = None
        if service == "sts" and action in CREDENTIAL_ACTIONS:
            rewrite = self._issued_credentials
        elif service == "iam" and action == "CreateAccessKey":
            rewrite = self._keys.learn
        return await forward(self._session, self.upstream_url, request, body, rewrite)

    def _refusal(
        self,
        request: web.Request,
        body: bytes,
        scope: CredentialScope | None,
        facts: RequestFacts,
        unknown_key: bool,
    ) -> Refusal | None:
        """What AWS refuses before any policy is read (`scope` is None for set-up traffic).
        An unknown key comes first, then a region the account has not enabled: the
        credentials are unknown there, expired or not; an expired session fails whatever
        its signature."""
        if unknown_key:
            return Refusal.INVALID_KEY_ID
        if facts.region in self._disabled.for_account(facts.account_id):
            return Refusal.REGION_NOT_ENABLED
        if scope is None:
            return None
        if self._sessions.is_expired(scope.access_key_id):
            return Refusal.EXPIRED_CREDENTIALS
        refused = self._keys.signature_refused(
            ReceivedRequest(request.method, request.raw_path, request.headers, body), request.query
        )
        return Refusal.SIGNATURE_MISMATCH if refused else None

    def _issued_credentials(self, body: bytes) -> bytes:
        """Cap the lifetime of an STS answer's credentials, then remember when they expire
        and their secret."""
        lifetime = self._lifetime_seconds
        if lifetime is not None:
            body = shorten_expiration(body, lifetime_seconds=lifetime)
        return self._keys.learn(self._sessions.record_answer(body))

    async def _service_info(self, signing_name: str) -> ServiceInfo:
        info = self._catalog.cached(signing_name)
        if info is None:
            # Reading a botocore model is file I/O: keep it off the event loop.
            loop = asyncio.get_running_loop()
            info = await loop.run_in_executor(None, self._catalog.load, signing_name)
        return info
