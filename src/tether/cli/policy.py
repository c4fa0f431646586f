"""``tether policy ...``: print what a user needs to create the role in a trusting account."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from tether.aws.artifacts import ARTIFACTS, SetupInputs
from tether.aws.external_id import generate_external_id
from tether.aws.policies import DEFAULT_POLICY_NAME, DEFAULT_ROLE_NAME
from tether.cli.context import reported_errors
from tether.errors import InvalidInput

policy_app = typer.Typer(
    help="IAM policies, a script and CloudFormation templates that create Tether's role.",
    no_args_is_help=True,
)

# The artifacts name their inputs as the API does; a CLI user typed these options.
_OPTIONS = {
    "trustedAccount": "--trusted-account",
    "externalId": "--external-id",
    "roleName": "--role-name",
    "policyName": "--policy-name",
    "organizationalUnits": "--organizational-units",
}

TrustedAccount = Annotated[
    str, typer.Option("--trusted-account", help="12-digit id of the account Tether calls from.")
]
ExternalId = Annotated[
    str | None,
    typer.Option(
        "--external-id", help="External ID the role demands; generated (and shown) if omitted."
    ),
]
RoleName = Annotated[str, typer.Option("--role-name", help="Name of the IAM role.")]
PolicyName = Annotated[str, typer.Option("--policy-name", help="Name of the permission policy.")]


@contextmanager
def _options_named() -> Iterator[None]:
    """Re-raise bad input under the option's name, for ``reported_errors`` to print."""
    try:
        yield
    except InvalidInput as exc:
        option = _OPTIONS.get(exc.field, exc.field)
        raise InvalidInput(option, exc.message.removeprefix(f"{exc.field}: ")) from exc


def _print(artifact: str, inputs: SetupInputs, generated_external_id: bool = False) -> None:
    with reported_errors(), _options_named():
        text = ARTIFACTS[artifact].render(inputs)
    if generated_external_id:
        # stderr, so stdout stays the artifact alone.
        typer.echo(
            f"External ID (enter it in Tether's install form): {inputs.external_id}", err=True
        )
    typer.echo(text, nl=False)


def _print_role_artifact(
    artifact: str,
    trusted_account: str,
    external_id: str | None,
    role_name: str,
    policy_name: str,
    organizational_units: tuple[str, ...] = (),
) -> None:
    inputs = SetupInputs(
        trusted_account,
        external_id if external_id is not None else generate_external_id(),
        role_name,
        policy_name,
        organizational_units,
    )
    _print(artifact, inputs, generated_external_id=external_id is None)


@policy_app.command("permissions")
def permissions() -> None:
    """The permission policy: every read-only action Tether calls."""
    _print("permission-policy", SetupInputs())


@policy_app.command("trust")
def trust(
    trusted_account: TrustedAccount,
    external_id: ExternalId = None,
    role_name: RoleName = DEFAULT_ROLE_NAME,
    policy_name: PolicyName = DEFAULT_POLICY_NAME,
) -> None:
    """The trust policy: the trusted account may assume the role with the External ID."""
    _print_role_artifact("trust-policy", trusted_account, external_id, role_name, policy_name)


@policy_app.command("cli")
def cli(
    trusted_account: TrustedAccount,
    external_id: ExternalId = None,
    role_name: RoleName = DEFAULT_ROLE_NAME,
    policy_name: PolicyName = DEFAULT_POLICY_NAME,
) -> None:
    """A bash script that creates the role with the AWS CLI and prints its ARN."""
    _print_role_artifact("cli-script", trusted_account, external_id, role_name, policy_name)


@policy_app.command("cloudformation")
def cloudformation(
    trusted_account: TrustedAccount,
    external_id: ExternalId = None,
    role_name: RoleName = DEFAULT_ROLE_NAME,
    policy_name: PolicyName = DEFAULT_POLICY_NAME,
) -> None:
    """A CloudFormation template that creates the role in one account."""
    _print_role_artifact("cloudformation", trusted_account, external_id, role_name, policy_name)


@policy_app.command("stackset")
def stackset(
    trusted_account: TrustedAccount,
    external_id: ExternalId = None,
    role_name: RoleName = DEFAULT_ROLE_NAME,
    policy_name: PolicyName = DEFAULT_POLICY_NAME,
    organizational_units: Annotated[
        list[str] | None,
        typer.Option(
            "--organizational-units",
            help="OU ids (ou-...) or the root id (r-...) to deploy to; repeat or comma-separate.",
        ),
    ] = None,
) -> None:
    """A CloudFormation StackSet template, for the management account of an Organization."""
    _print_role_artifact(
        "stackset",
        trusted_account,
        external_id,
        role_name,
        policy_name,
        tuple(organizational_units or ()),
    )
