"""The AWS side of Install AWS Integration: the set-up steps and the documents (trust
policy, permission policy, AWS CLI script, CloudFormation templates) for the values typed
so far, a fresh External ID, and the documents as downloads. Nothing here holds a secret:
the keys are never part of these requests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from tether.api.deps import DB
from tether.aws.artifacts import ARTIFACTS, SetupInputs
from tether.aws.external_id import generate_external_id
from tether.aws.policies import DEFAULT_ROLE_NAME
from tether.domain.credentials import ROLE_ARN, AwsType
from tether.errors import InvalidInput, NotFound
from tether.web.session import CurrentUser, WebUser
from tether.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/setup/integrations/install/aws"
ClientId = Annotated[str, Query(alias="client", max_length=64)]
ROLE_TYPES = (AwsType.IAM_ASSUME_ROLE, AwsType.AMBIENT_ASSUME_ROLE)


def ids(text: str) -> list[str]:
    """OU ids typed comma- or newline-separated."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@dataclass
class SetupForm:
    """The install form's fields that the AWS set-up depends on."""

    AWSType: str = AwsType.IAM_ASSUME_ROLE.value
    AccountNumber: str = ""
    AssumeRoleARN: str = ""
    ExternalId: str = ""
    installAllLinkedAccounts: bool = False
    memberRoleName: str = ""
    includeOrganizationalUnits: str = ""

    @property
    def assumes_role(self) -> bool:
        return self.AWSType in ROLE_TYPES


def setup_inputs(form: SetupForm) -> SetupInputs:
    match = ROLE_ARN.match(form.AssumeRoleARN)
    role_name = match.group(3) if match else DEFAULT_ROLE_NAME
    return SetupInputs(
        trusted_account=form.AccountNumber or None,
        external_id=form.ExternalId or None,
        role_name=role_name,
        organizational_units=tuple(ids(form.includeOrganizationalUnits)),
    )


@dataclass(frozen=True, slots=True)
class Document:
    name: str  # the artifact's name (ARTIFACTS)
    title: str
    filename: str
    text: str | None  # None: not available for these inputs, ``problem`` says why
    problem: str | None = None


DOCUMENT_TITLES = {
    "trust-policy": "Trust policy",
    "permission-policy": "Permission policy",
    "cli-script": "AWS CLI script",
    "cloudformation": "CloudFormation template",
    "stackset": "CloudFormation StackSet template (linked accounts)",
}


def documents(form: SetupForm) -> list[Document]:
    inputs = setup_inputs(form)
    if form.installAllLinkedAccounts and form.memberRoleName:
        member_inputs = replace(inputs, role_name=form.memberRoleName)
    else:
        member_inputs = inputs
    names = ["permission-policy"]
    if form.assumes_role:
        names[:0] = ["trust-policy"]
        names += ["cli-script", "cloudformation"]
        if form.installAllLinkedAccounts:
            names.append("stackset")
    found = []
    for name in names:
        artifact = ARTIFACTS[name]
        try:
            text = artifact.render(member_inputs if name == "stackset" else inputs)
        except InvalidInput as error:
            problem = _document_problem(error)
            found.append(Document(name, DOCUMENT_TITLES[name], artifact.filename, None, problem))
            continue
        found.append(Document(name, DOCUMENT_TITLES[name], artifact.filename, text))
    return found


def _document_problem(error: InvalidInput) -> str:
    what = {
        "trustedAccount": "Account Number (the trusted account)",
        "externalId": "External ID",
        "roleName": "role name",
        "organizationalUnits": "Include OUs",
    }.get(error.field, error.field)
    return f"Enter a valid {what}: it {error.message.split(': ', 1)[-1]}."


def setup_context(form: SetupForm, client_id: str) -> dict[str, Any]:
    return {
        "form": form,
        "client_id": client_id,
        "documents": documents(form),
        "role_name": setup_inputs(form).role_name,
        "AwsType": AwsType,
    }


def setup_query(form: SetupForm) -> dict[str, str]:
    inputs = setup_inputs(form)
    query = {"roleName": inputs.role_name}
    if inputs.trusted_account:
        query["trustedAccount"] = inputs.trusted_account
    if inputs.external_id:
        query["externalId"] = inputs.external_id
    if inputs.organizational_units:
        query["organizationalUnits"] = ",".join(inputs.organizational_units)
    return query


def client_in_view(user: WebUser, client_id: str | None) -> str:
    """The client being installed into: a client user's own; a partner must pick one."""
    return client_id or ("" if user.is_partner else user.home_tenant)


@router.get(f"{PAGE}/external-id")
def new_external_id(user: CurrentUser) -> JSONResponse:
    del user  # any signed-in user; it is not stored until an integration uses it
    return JSONResponse({"externalId": generate_external_id()})


@router.get(f"{PAGE}/setup", response_class=HTMLResponse)
def setup_fragment(
    request: Request, db: DB, user: CurrentUser, client: ClientId | None = None
) -> HTMLResponse:
    """The set-up steps and documents for the values typed so far (never the keys)."""
    client_id = client_in_view(user, client)
    if client_id:
        user.scope(db, client_id)
    form = _typed(request)
    context = {**setup_context(form, client_id), "setup_query": setup_query(form)}
    return render(request, "install/setup.html", user, context)


def _typed(request: Request) -> SetupForm:
    params = request.query_params
    return SetupForm(
        AWSType=params.get("AWSType", AwsType.IAM_ASSUME_ROLE.value)[:64],
        AccountNumber=params.get("AccountNumber", "").strip()[:32],
        AssumeRoleARN=params.get("AssumeRoleARN", "").strip()[:2048],
        ExternalId=params.get("ExternalId", "").strip()[:1224],
        installAllLinkedAccounts=params.get("installAllLinkedAccounts") is not None,
        memberRoleName=params.get("memberRoleName", "").strip()[:64],
        includeOrganizationalUnits=params.get("includeOrganizationalUnits", "")[:4096],
    )


@router.get(f"{PAGE}/setup/{{artifact}}")
def setup_download(
    user: CurrentUser,
    artifact: Annotated[str, Path(max_length=64)],
    trustedAccount: str | None = None,
    externalId: str | None = None,
    roleName: str = DEFAULT_ROLE_NAME,
    organizationalUnits: str = "",
) -> Response:
    del user  # signed in; the documents hold no secret
    found = ARTIFACTS.get(artifact)
    if found is None:
        raise NotFound(f"no setup document {artifact!r}")
    inputs = SetupInputs(
        trustedAccount or None,
        externalId or None,
        roleName,
        organizational_units=(organizationalUnits,),
    )
    headers = {"Content-Disposition": f'attachment; filename="{found.filename}"'}
    return Response(found.render(inputs), media_type=found.media_type, headers=headers)
