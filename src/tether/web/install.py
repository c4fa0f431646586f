"""Install AWS Integration: the seed's form, the role set-up beside it, validation live.

The POST runs the install in a worker thread. A script's request (``X-Tether-Fetch``) gets
one HTML fragment per line as each validation step ends, then the outcome; a plain form
post gets the whole page once the install has ended. Nothing is stored unless validation
passes (the service guarantees it), and the Security Key is never sent back.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import botocore.loaders
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from tether.api.deps import DB
from tether.api.runtime import RT
from tether.aws.external_id import generate_external_id
from tether.aws.regions import ALL, known_regions
from tether.domain.credentials import AwsType
from tether.domain.profiles import problems
from tether.domain.tenancy import TenantKind
from tether.domain.validation import Step
from tether.errors import InvalidInput, NotFound, TetherError
from tether.security.scoping import TenantScope
from tether.services import integrations as service
from tether.services.integrations import DEFAULT_RETENTION_DAYS, Installed, InstallRequest
from tether.services.runtime import Runtime
from tether.services.validation import StepListener
from tether.web import install_setup
from tether.web.install_setup import (
    PAGE,
    ClientId,
    SetupForm,
    client_in_view,
    ids,
    setup_context,
    setup_query,
)
from tether.web.routes import client_choices
from tether.web.session import CheckedUser, CurrentUser, WebUser
from tether.web.templating import render, templates

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
router.include_router(install_setup.router)

KEY_TYPES = (AwsType.IAM, AwsType.IAM_ASSUME_ROLE)
STEP_LABELS = {
    "credentials": "Credentials",
    "account_number": "Account Number",
    "assume_role": "AssumeRole",
    "regions": "Regions",
    "permissions": "Permissions",
}
FIELD_LABELS = {
    "Name": "Name",
    "Regions": "Region(s)",
    "AWSType": "AWSType",
    "AccountNumber": "Account Number",
    "AccessKey": "Access Key",
    "SecurityKey": "Security Key",
    "AssumeRoleARN": "AssumeRole ARN",
    "ExternalId": "External ID",
    "installAllLinkedAccounts": "Install All Linked Accounts",
    "memberRoleName": "Member role name",
    "includeOrganizationalUnits": "Include OUs",
    "excludeOrganizationalUnits": "Exclude OUs",
    "deletedResourceRetentionDays": "Keep deleted resources (days)",
}


@functools.cache
def region_choices() -> list[tuple[str, str]]:
    """(code, "code — description") of every commercial region, as botocore knows them."""
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    described = {
        name: data.get("description", "")
        for partition in endpoints["partitions"]
        if partition["partition"] == "aws"
        for name, data in partition["regions"].items()
    }
    return [
        (name, f"{name} — {described[name]}" if described.get(name) else name)
        for name in sorted(known_regions())
    ]


@dataclass
class InstallForm(SetupForm):
    """What the user typed, by the form's (OpsRamp's) field names."""

    Name: str = ""
    Regions: list[str] = field(default_factory=list)
    AccessKey: str = ""
    SecurityKey: str = field(default="", repr=False)
    excludeOrganizationalUnits: str = ""
    deletedResourceRetentionDays: str = str(DEFAULT_RETENTION_DAYS)

    @classmethod
    def from_form(cls, form: FormData) -> InstallForm:
        def text(name: str, default: str = "") -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else default

        return cls(
            Name=text("Name"),
            Regions=[r for r in form.getlist("Regions") if isinstance(r, str) and r],
            AWSType=text("AWSType", AwsType.IAM_ASSUME_ROLE.value),
            AccountNumber=text("AccountNumber"),
            AccessKey=text("AccessKey"),
            SecurityKey=text("SecurityKey"),
            AssumeRoleARN=text("AssumeRoleARN"),
            ExternalId=text("ExternalId"),
            installAllLinkedAccounts=form.get("installAllLinkedAccounts") is not None,
            memberRoleName=text("memberRoleName"),
            includeOrganizationalUnits=text("includeOrganizationalUnits"),
            excludeOrganizationalUnits=text("excludeOrganizationalUnits"),
            deletedResourceRetentionDays=text(
                "deletedResourceRetentionDays", str(DEFAULT_RETENTION_DAYS)
            ),
        )

    @property
    def uses_keys(self) -> bool:
        return self.AWSType in KEY_TYPES

    def without_secret(self) -> InstallForm:
        return replace(self, SecurityKey="")

    def request(self) -> InstallRequest:
        """The install request; fields the chosen AWSType does not use are left out (the
        form shows them all when scripts are off). Bad input: ``InvalidInput`` on a field."""
        credential: dict[str, Any] = {
            "Name": self.Name or None,
            "AWSType": self.AWSType,
            "Regions": ALL if ALL in self.Regions else ",".join(self.Regions),
            "AccountNumber": self.AccountNumber or None,
        }
        if self.uses_keys:
            credential |= {"AccessKey": self.AccessKey, "SecurityKey": self.SecurityKey}
        if self.assumes_role:
            credential |= {"AssumeRoleARN": self.AssumeRoleARN, "ExternalId": self.ExternalId}
        linked = self.assumes_role and self.installAllLinkedAccounts
        body: dict[str, Any] = {
            "displayName": self.Name,
            "credential": credential,
            "installAllLinkedAccounts": linked,
            "deletedResourceRetentionDays": self.deletedResourceRetentionDays or None,
        }
        if linked:
            body |= {
                "memberRoleName": self.memberRoleName or None,
                "includeOrganizationalUnits": ids(self.includeOrganizationalUnits),
                "excludeOrganizationalUnits": ids(self.excludeOrganizationalUnits),
            }
        try:
            return InstallRequest.model_validate(body)
        except ValidationError as error:
            path, message = problems(error.errors())[0]
            raise InvalidInput(path, message) from None


def form_field(path: str) -> str:
    """The form field an error path names: ``credential.AccountNumber`` -> ``AccountNumber``."""
    name = path.removeprefix("credential.").split("[", 1)[0].split(".", 1)[0]
    return "Name" if name == "displayName" else name


def field_errors(error: InvalidInput) -> dict[str, str]:
    message = error.message.split(": ", 1)[-1]
    return {form_field(error.field): message}


# --- pages ----------------------------------------------------------------------------


def _page(
    request: Request,
    db: DB,
    user: WebUser,
    client_id: str,
    form: InstallForm,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    client_name = ""
    if client_id:
        scope = user.scope(db, client_id)
        _require_client(scope)
        client_name = dict(client_choices(db, user)).get(client_id, client_id)
    context = {
        **setup_context(form, client_id),
        "section": "integrations",
        "clients": client_choices(db, user),
        "client_name": client_name,
        "regions": region_choices(),
        "aws_types": list(AwsType),
        "labels": FIELD_LABELS,
        "setup_query": setup_query(form),
        "read_only": user.principal.role.value == "viewer",
        "errors": {},
        "steps": [],
        "outcome": None,
        "step_label": step_label,
        **extra,
    }
    return render(request, "install/page.html", user, context, status_code)


@router.get(PAGE, response_class=HTMLResponse)
def install_page(
    request: Request, db: DB, user: CurrentUser, client: ClientId | None = None
) -> HTMLResponse:
    # A fresh External ID from the start: the trust policy is never shown without one.
    form = InstallForm(ExternalId=generate_external_id())
    return _page(request, db, user, client_in_view(user, client), form)


# --- install --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an install ended, as the page shows it."""

    installed: Installed | None = None
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    failures: tuple[Step, ...] = ()


def _require_client(scope: TenantScope) -> None:
    if scope.tenant_kind is not TenantKind.CLIENT:
        raise NotFound("integrations are installed in client tenants", code="not_a_client")


def run_install(
    rt: Runtime, scope: TenantScope, body: InstallRequest, listener: StepListener | None = None
) -> Outcome:
    try:
        return Outcome(service.install(rt, scope, body, listener))
    except service.ValidationFailed as failed:
        message = "Validation failed: nothing was stored."
        return Outcome(message=message, failures=failed.report.failures)
    except InvalidInput as error:
        return Outcome(message="Check the highlighted field.", errors=field_errors(error))
    except TetherError as error:
        return Outcome(message=error.message)
    except Exception:
        # The stream must end with an outcome; the traceback goes to the log.
        log.exception("install into %s crashed", scope.tenant_id)
        return Outcome(message="Internal error: nothing was stored. See the server log.")


@router.post(PAGE, response_class=HTMLResponse)
async def install_submit(
    request: Request, rt: RT, db: DB, user: CheckedUser, client: ClientId
) -> Response:
    form = InstallForm.from_form(await request.form())
    scope = await run_in_threadpool(user.scope, db, client)
    _require_client(scope)
    scope.require_write()  # a viewer gets the 403 page, not a stream
    streamed = bool(request.headers.get("x-tether-fetch"))
    try:
        body = form.request()
    except InvalidInput as error:
        outcome = Outcome(message="Check the highlighted field.", errors=field_errors(error))
        if streamed:
            return HTMLResponse(_fragment("install/outcome.html", outcome, client), 400)
        return await run_in_threadpool(
            _page, request, db, user, client, form.without_secret(), 400,
            errors=outcome.errors, outcome=outcome,
        )  # fmt: skip
    if streamed:
        return StreamingResponse(
            _stream(rt, scope, body, client), media_type="text/html; charset=utf-8"
        )
    steps: list[Step] = []
    outcome = await run_in_threadpool(run_install, rt, scope, body, steps.append)
    return await run_in_threadpool(
        _page, request, db, user, client, form.without_secret(),
        200 if outcome.installed else 400,
        errors=outcome.errors, outcome=outcome, steps=steps,
    )  # fmt: skip


def _fragment(name: str, outcome: Outcome | None, client_id: str, step: Step | None = None) -> str:
    """One fragment on one line: the script splits the stream at newlines."""
    html = templates.get_template(name).render(
        outcome=outcome, step=step, client_id=client_id, labels=FIELD_LABELS, step_label=step_label
    )
    return " ".join(line.strip() for line in html.splitlines() if line.strip()) + "\n"


def _stream(rt: Runtime, scope: TenantScope, body: InstallRequest, client_id: str) -> Iterator[str]:
    events: queue.Queue[Step | Outcome] = queue.Queue()

    def work() -> None:
        events.put(run_install(rt, scope, body, events.put))

    threading.Thread(target=work, name=f"install-{client_id}", daemon=True).start()
    while True:
        event = events.get()
        if isinstance(event, Outcome):
            yield _fragment("install/outcome.html", event, client_id)
            return
        yield _fragment("install/step.html", None, client_id, event)


def step_label(step: Step) -> str:
    if step.step.startswith("region "):
        return f"Region {step.step.removeprefix('region ')}"
    return STEP_LABELS.get(step.step, step.step.replace("_", " ").capitalize())
