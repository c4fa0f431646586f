"""The ways Tether can authenticate to a monitored AWS account.

One class per ``AWSType`` of the install form; a new type is one more subclass of
``AwsCredential`` (it registers itself by its ``aws_type``). A credential says which keys
start the chain (``access_key``, or ``None`` for the host's own credential chain) and which
role, if any, is assumed from them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from tether.errors import InvalidInput

ACCOUNT_ID_PATTERN = r"^\d{12}$"
ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)
ROLE_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$"
)
# STS's alphabet for an External ID; ASCII only, as AWS means it.
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]+", re.ASCII)
EXTERNAL_ID_LENGTH = (2, 1224)
ACCESS_KEY_ID = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{12,124}$")


def validate_external_id(value: str, *, field: str = "ExternalId") -> str:
    """``value`` unchanged if STS accepts it as an External ID, else ``InvalidInput``."""
    low, high = EXTERNAL_ID_LENGTH
    if not low <= len(value) <= high:
        raise InvalidInput(field, f"must be {low}-{high} characters")
    if not EXTERNAL_ID.fullmatch(value):
        raise InvalidInput(field, "may hold only A-Z a-z 0-9 _+=,.@:/-")
    return value


class AwsType(enum.StrEnum):
    IAM = "IAM"
    IAM_ASSUME_ROLE = "IAM with AssumeRole"
    AMBIENT_ASSUME_ROLE = "AssumeRole from ambient credentials"


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str
    secret_access_key: str = field(repr=False)

    @classmethod
    def parse(cls, access_key_id: str | None, secret_access_key: str | None) -> AccessKey:
        if not access_key_id:
            raise InvalidInput("AccessKey", "is required for this AWSType")
        if not ACCESS_KEY_ID.match(access_key_id):
            raise InvalidInput("AccessKey", "is not an AWS access key id (AKIA... or ASIA...)")
        if not secret_access_key:
            raise InvalidInput("SecurityKey", "is required for this AWSType")
        if not 16 <= len(secret_access_key) <= 128 or any(c.isspace() for c in secret_access_key):
            raise InvalidInput("SecurityKey", "is not an AWS secret access key")
        return cls(access_key_id, secret_access_key)


@dataclass(frozen=True, slots=True)
class RoleTarget:
    """A role to assume: its ARN and the External ID its trust policy demands."""

    role_arn: str
    external_id: str | None = None

    @classmethod
    def parse(cls, role_arn: str | None, external_id: str | None) -> RoleTarget:
        if not role_arn:
            raise InvalidInput("AssumeRoleARN", "is required for this AWSType")
        if not ROLE_ARN.match(role_arn):
            raise InvalidInput(
                "AssumeRoleARN", "must look like arn:aws:iam::123456789012:role/Name"
            )
        if external_id:
            validate_external_id(external_id)
        return cls(role_arn, external_id or None)

    @property
    def account_id(self) -> str:
        match = ROLE_ARN.match(self.role_arn)
        assert match is not None, "validated at construction"
        return match.group(2)

    @property
    def role_name(self) -> str:
        match = ROLE_ARN.match(self.role_arn)
        assert match is not None, "validated at construction"
        return match.group(3)

    @property
    def partition(self) -> str:
        return self.role_arn.split(":", 2)[1]

    def in_account(self, account_id: str, role_name: str | None = None) -> RoleTarget:
        """The same role (or ``role_name``) in another account: a linked member's role."""
        name = role_name or self.role_name
        return RoleTarget(f"arn:{self.partition}:iam::{account_id}:role/{name}", self.external_id)


@dataclass(frozen=True)
class AwsCredential:
    """Base of the credential types. ``account_number`` is what the user typed."""

    account_number: str | None

    aws_type: ClassVar[AwsType]
    # Subclasses register by their ``aws_type``. (No slots: they break zero-argument super.)
    registry: ClassVar[dict[AwsType, type[AwsCredential]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "aws_type" in cls.__dict__:
            AwsCredential.registry[cls.aws_type] = cls

    @property
    def access_key(self) -> AccessKey | None:
        """Keys that start the chain; ``None`` means the host's own credential chain."""
        return None

    @property
    def role(self) -> RoleTarget | None:
        return None

    @property
    def monitored_account(self) -> str | None:
        """The account whose resources are read."""
        return self.role.account_id if self.role else self.account_number

    @classmethod
    def from_form(cls, fields: dict[str, Any]) -> AwsCredential:
        raise NotImplementedError

    def with_role(self, role: RoleTarget) -> AwsCredential:
        """The same credential assuming ``role`` (another ARN or External ID)."""
        raise InvalidInput("AssumeRoleARN", f"is not used with AWSType {self.aws_type.value!r}")

    def with_key(self, key: AccessKey) -> AwsCredential:
        """The same credential with rotated keys."""
        raise InvalidInput("AccessKey", f"is not used with AWSType {self.aws_type.value!r}")

    def describe(self) -> dict[str, Any]:
        """What may be shown: no secret (the access key id is masked too)."""
        key = self.access_key
        return {
            "AWSType": self.aws_type.value,
            "AccountNumber": self.account_number,
            "AccessKey": mask_key(key.access_key_id) if key else None,
            "AssumeRoleARN": self.role.role_arn if self.role else None,
            "ExternalId": self.role.external_id if self.role else None,
        }


def mask_key(value: str) -> str:
    return "****" + value[-4:] if len(value) > 8 else "****"


def _account_number(value: Any, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise InvalidInput("AccountNumber", "is required for this AWSType")
        return None
    text = str(value).strip()
    if not ACCOUNT_ID.match(text):
        raise InvalidInput("AccountNumber", "must be the 12-digit AWS account number")
    return text


def _refuse(fields: dict[str, Any], names: tuple[str, ...], aws_type: AwsType) -> None:
    for name in names:
        if fields.get(name) not in (None, ""):
            raise InvalidInput(name, f"is not used with AWSType {aws_type.value!r}")


@dataclass(frozen=True)
class IamKeys(AwsCredential):
    """Keys of an IAM user in the monitored account itself."""

    key: AccessKey = field(repr=False)
    aws_type: ClassVar[AwsType] = AwsType.IAM

    @property
    def access_key(self) -> AccessKey:
        return self.key

    def with_key(self, key: AccessKey) -> IamKeys:
        return replace(self, key=key)

    @classmethod
    def from_form(cls, fields: dict[str, Any]) -> IamKeys:
        _refuse(fields, ("AssumeRoleARN", "ExternalId"), cls.aws_type)
        return cls(
            account_number=_account_number(fields.get("AccountNumber"), required=True),
            key=AccessKey.parse(fields.get("AccessKey"), fields.get("SecurityKey")),
        )


@dataclass(frozen=True)
class IamAssumeRole(AwsCredential):
    """The seed's type: keys of the trusted account assume a role in the trusting one."""

    key: AccessKey = field(repr=False)
    target: RoleTarget
    aws_type: ClassVar[AwsType] = AwsType.IAM_ASSUME_ROLE

    @property
    def access_key(self) -> AccessKey:
        return self.key

    @property
    def role(self) -> RoleTarget:
        return self.target

    def with_role(self, role: RoleTarget) -> IamAssumeRole:
        return replace(self, target=role)

    def with_key(self, key: AccessKey) -> IamAssumeRole:
        return replace(self, key=key)

    @classmethod
    def from_form(cls, fields: dict[str, Any]) -> IamAssumeRole:
        return cls(
            account_number=_account_number(fields.get("AccountNumber"), required=True),
            key=AccessKey.parse(fields.get("AccessKey"), fields.get("SecurityKey")),
            target=RoleTarget.parse(fields.get("AssumeRoleARN"), fields.get("ExternalId")),
        )


@dataclass(frozen=True)
class AmbientAssumeRole(AwsCredential):
    """The host's own credential chain (instance profile, environment, SSO) is the trusted
    principal: no keys are stored."""

    target: RoleTarget
    aws_type: ClassVar[AwsType] = AwsType.AMBIENT_ASSUME_ROLE

    @property
    def role(self) -> RoleTarget:
        return self.target

    def with_role(self, role: RoleTarget) -> AmbientAssumeRole:
        return replace(self, target=role)

    @classmethod
    def from_form(cls, fields: dict[str, Any]) -> AmbientAssumeRole:
        _refuse(fields, ("AccessKey", "SecurityKey"), cls.aws_type)
        return cls(
            account_number=_account_number(fields.get("AccountNumber"), required=False),
            target=RoleTarget.parse(fields.get("AssumeRoleARN"), fields.get("ExternalId")),
        )


def credential_from_form(fields: dict[str, Any]) -> AwsCredential:
    """Build the credential the install form describes (``AWSType`` picks the class)."""
    try:
        aws_type = AwsType(str(fields.get("AWSType")))
    except ValueError:
        known = ", ".join(repr(t.value) for t in AwsCredential.registry)
        raise InvalidInput("AWSType", f"must be one of {known}") from None
    return AwsCredential.registry[aws_type].from_form(fields)
