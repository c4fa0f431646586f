"""The demo: ``tether serve`` with no real AWS configured runs an emulated AWS organization.

The demo is wanted when ``TETHER_DEMO`` (or ``--demo``/``--no-demo``) says so, or, with the
default ``auto``, when no AWS endpoint is configured and botocore's default credential chain
finds nothing on this host. It runs moto in its own process behind the fault proxy (which
enforces trust policies and External IDs as AWS does), builds an organization in it, and
points every AWS call of this process at the proxy. Everything lives in memory and ends
with the server.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shlex
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

import botocore.session
from botocore.credentials import (
    InstanceMetadataFetcher,
    InstanceMetadataProvider,
    create_credential_resolver,
)
from botocore.exceptions import BotoCoreError, ClientError
from botocore.utils import resolve_imds_endpoint_mode

from tether.config import Settings
from tether.errors import TetherError

if TYPE_CHECKING:
    from tether.emulator import EmulatedOrganization

logger = logging.getLogger(__name__)

INTEGRATION_NAME = "Demo organization"
DEMO_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
# One probe of the instance metadata service. botocore's own timeout is whole seconds per
# request (token, then role), so a network that drops packets to 169.254.169.254 would
# delay every start by about 2 s.
METADATA_PROBE_SECONDS = 0.5
_EMULATOR_MODULES = ("aiohttp", "flask", "moto")


class DemoUnavailable(TetherError):
    code = "demo_unavailable"


@dataclass(frozen=True)
class DemoDecision:
    run: bool
    reason: str


def host_credential_source() -> str | None:
    """How botocore's default chain finds credentials on this host ('env',
    'shared-credentials-file', 'assume-role', 'sso', 'container-role', 'iam-role', ...), or
    None when it finds none.

    The chain is botocore's own, in its order, except that the instance metadata service is
    asked once with a short timeout (and not at all with ``AWS_EC2_METADATA_DISABLED=true``,
    which botocore's fetcher honours). Providers that assume a role defer their STS call, so
    this makes no AWS call; a configured ``credential_process`` does run.
    """
    session = botocore.session.Session()
    resolver = create_credential_resolver(session)
    resolver.remove("iam-role")
    fetcher = InstanceMetadataFetcher(
        # The stubs say int; botocore hands it to urllib3, which takes fractions of a second.
        timeout=METADATA_PROBE_SECONDS,  # type: ignore[arg-type]
        num_attempts=1,
        config={
            "ec2_metadata_service_endpoint": session.get_config_variable(
                "ec2_metadata_service_endpoint"
            ),
            "ec2_metadata_service_endpoint_mode": resolve_imds_endpoint_mode(session),
            "ec2_metadata_v1_disabled": session.get_config_variable("ec2_metadata_v1_disabled"),
        },
    )
    resolver.providers.append(InstanceMetadataProvider(iam_role_fetcher=fetcher))
    credentials = resolver.load_credentials()
    return None if credentials is None else str(credentials.method)


def emulator_installed() -> bool:
    """Whether the ``emulator`` extra (moto server, aiohttp) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in _EMULATOR_MODULES)


def decide(settings: Settings) -> DemoDecision:
    """Whether ``tether serve`` runs the demo, and why."""
    if settings.demo is True:
        return DemoDecision(True, "TETHER_DEMO=true or --demo asks for it")
    if settings.demo is False:
        return DemoDecision(False, "TETHER_DEMO=false or --no-demo")
    endpoint = settings.effective_aws_endpoint_url
    if endpoint:
        return DemoDecision(False, f"an AWS endpoint is configured ({endpoint})")
    try:
        source = host_credential_source()
    except BotoCoreError as error:
        # Broken AWS configuration still says the host is meant to use real AWS.
        return DemoDecision(False, f"the host's AWS configuration does not load: {error}")
    if source is not None:
        return DemoDecision(False, f"botocore finds AWS credentials on this host ({source})")
    if not emulator_installed():
        return DemoDecision(False, "no AWS is configured, but the emulator extra is not installed")
    return DemoDecision(True, "no AWS endpoint and no AWS credentials are configured")


@dataclass(frozen=True)
class DemoAws:
    """A running demo: settings aimed at the emulator, and what was built in it."""

    settings: Settings
    organization: EmulatedOrganization
    reason: str

    @property
    def endpoint_url(self) -> str:
        return str(self.settings.aws_endpoint_url)

    def banner(self) -> str:
        """What to type into the install form. The keys are the emulator's, but they are
        still shown only here, once per start."""
        org = self.organization
        management_role = org.role_arns[org.management_account_id]
        regions = ",".join(org.regions)
        credential = {
            "credentialType": "AWS",
            "AWSType": "IAM with AssumeRole",
            "Regions": regions,
            "AccountNumber": org.trusted_account_id,
            "AccessKey": org.trusted_access_key_id,
            "SecurityKey": org.trusted_secret_access_key,
            "AssumeRoleARN": management_role,
            "ExternalId": org.external_id,
        }
        body = json.dumps(
            {
                "displayName": INTEGRATION_NAME,
                "credential": credential,
                "installAllLinkedAccounts": True,
                "memberRoleName": org.role_name,
            }
        )
        install_url = f"{self.settings.base_url}/api/v2/tenants/$CLIENT/integrations/install/AWS"
        return "\n".join(
            [
                f"AWS demo: {self.reason}.",
                "Every AWS call of this server goes to an embedded AWS emulator that enforces",
                "trust policies and External IDs as AWS does.",
                f"  endpoint:        {self.endpoint_url}   (for boto3 or aws --endpoint-url)",
                f"  organization:    {org.organization_id}, "
                f"management account {org.management_account_id}",
                *(
                    f"  {'members:' if i == 0 else '':<17}{line}"
                    for i, line in enumerate(_member_lines(org))
                ),
                f"  regions:         {', '.join(org.regions)}: {len(org.resources)} resources of "
                f"{len({r.resource_type for r in org.resources})} types",
                "                   (instances, load balancers, Lambda, RDS, S3, IAM, ...)",
                "  It lives in memory: a restart builds a new organization, with new ids and keys.",
                "Install AWS Integration with:",
                f"  Name:            {INTEGRATION_NAME}",
                "  AWSType:         IAM with AssumeRole",
                f"  Regions:         {regions}",
                f"  Account Number:  {org.trusted_account_id}   (the trusted account)",
                f"  Access Key:      {org.trusted_access_key_id}",
                f"  Security Key:    {org.trusted_secret_access_key}",
                f"  AssumeRole ARN:  {management_role}   (the management account)",
                f"  External ID:     {org.external_id}",
                f"  Install All Linked Accounts: yes   (member role name: {org.role_name})",
                "or through the API (TOKEN as in the README's Quick start, CLIENT a client's id):",
                "  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json'"
                f' -d {shlex.quote(body)} "{install_url}"',
                "(emulator keys, not AWS secrets; for real AWS: --no-demo or TETHER_DEMO=false)",
            ]
        )


def _member_lines(org: EmulatedOrganization) -> list[str]:
    """The members by OU, one line per OU; a member without the role is named as such."""
    ou_names = {ou_id: name for name, ou_id in org.organizational_unit_ids.items()}
    by_parent: dict[str, list[str]] = {}
    for account in org.accounts:
        if account.kind == "member":
            note = "" if account.role_arn else " (no role, so its linked account fails)"
            parent = ou_names.get(account.parent_id, "root")
            by_parent.setdefault(parent, []).append(account.name + note)
    return [f"{parent}: {', '.join(names)}" for parent, names in by_parent.items()]


def _build(stack: ExitStack) -> tuple[str, EmulatedOrganization]:
    """Start moto and the proxy (stopped by ``stack``); build the organization."""
    from tether.aws.external_id import generate_external_id
    from tether.emulator import (
        FaultProxy,
        MemberSpec,
        MotoServer,
        OrganizationSpec,
        build_organization,
    )

    # Stops are registered before the starts, so that a signal arriving while a start is
    # under way still stops what it began.
    moto = MotoServer()
    stack.callback(moto.stop)
    moto.start()
    proxy = FaultProxy(moto.endpoint_url)
    stack.callback(proxy.stop)
    proxy.start()
    spec = OrganizationSpec(
        members=(
            MemberSpec("shop-prod", "Production"),
            MemberSpec("payments-prod", "Production"),
            MemberSpec("shop-dev", "Development"),
            MemberSpec("sandbox", "Development"),
            MemberSpec("legacy-no-role", has_role=False),
        ),
        regions=DEMO_REGIONS,
        external_id=generate_external_id(),
        name_prefix="demo",
        seed_catalog=True,
    )
    # Straight to moto, which is quicker; the proxy then checks signatures made with the
    # trusted keys against their secret.
    org = build_organization(moto.endpoint_url, spec)
    proxy.register_secret(org.trusted_access_key_id, org.trusted_secret_access_key)
    logger.info("AWS demo: moto at %s, fault proxy at %s", moto.endpoint_url, proxy.endpoint_url)
    return proxy.endpoint_url, org


@contextmanager
def demo_aws(settings: Settings) -> Iterator[DemoAws | None]:
    """The running demo while the context lasts, or None when the demo is not wanted."""
    decision = decide(settings)
    if not decision.run:
        logger.info("AWS demo off: %s", decision.reason)
        yield None
        return
    if not emulator_installed():
        raise DemoUnavailable(
            "the demo needs the emulator extra: install tether[emulator] (make run does)"
        )
    with ExitStack() as stack:
        stack.enter_context(_sigterm_unwinds())
        try:
            endpoint_url, org = _build(stack)
        except (OSError, RuntimeError, BotoCoreError, ClientError) as error:
            raise DemoUnavailable(f"the AWS emulator did not start: {error}") from error
        stack.enter_context(_process_aws_endpoint(endpoint_url))
        yield DemoAws(
            settings.model_copy(update={"aws_endpoint_url": endpoint_url}), org, decision.reason
        )


@contextmanager
def _process_aws_endpoint(endpoint_url: str) -> Iterator[None]:
    """Aim this process's environment at the emulator too, so that settings read again and
    any botocore client made without an explicit endpoint never reach real AWS."""
    names = ("TETHER_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL")
    previous = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, endpoint_url))
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM's default action ends the process at once, which would leave moto's process
    behind; turn it into SystemExit so the stack unwinds and stops it. uvicorn restores this
    handler after its graceful shutdown and raises the signal again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield  # someone already handles it; leave their handler alone
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
