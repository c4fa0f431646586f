"""The synthetic organization: account ids, access keys, roles and the resource mix.

Everything is a pure function of the seed: account ``i`` (0 is the management account),
its keys and its resource counts. Access key ids embed the 12-digit account
(``AKIA`` / ``ASIA`` + account + 4 characters), so identity costs a slice, not a look-up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tether.catalog.registry import RESOURCE_TYPES

ROLE_NAME = "TetherReadOnly"
TRUSTED_USER = "tether-scanner"

# Resources per account and region (per account for global types) at scale 1.0: every
# catalog type present, about 100,000 resources for 200 accounts x 4 regions.
DEFAULT_MIX: dict[str, int] = {
    "DEVICE": 18, "EBS": 20, "AWS_VPC": 2, "AWS_SUBNET": 6, "AWS_SECURITY_GROUP": 8,
    "AWS_NAT_GATEWAY": 1, "LOAD_BALANCER": 1, "AWS_LOAD_BALANCER_V2": 2, "AWS_TARGET_GROUP": 3,
    "AUTO_SCALING": 2, "LAMBDA": 6, "ECS_CLUSTER": 2, "AWS_ECS_SERVICE": 5, "AWS_EKS_CLUSTER": 1,
    "RDS": 2, "AWS_RDS_CLUSTER": 1, "DYNAMO_DB": 2, "ELASTICACHE": 1, "REDSHIFT": 1,
    "AWS_EFS": 1, "SNS": 3, "SQS": 4, "KINESIS": 1, "KINESIS_FIREHOSE": 1, "ES_SERVICE": 1,
    "AWS_MSK_CLUSTER": 1, "AWS_MQ_BROKER": 1, "API_GATEWAY": 1, "AWS_API_GATEWAY_V2": 1,
    "AWS_KMS_KEY": 3, "AWS_SECRETS_MANAGER_SECRET": 3, "AWS_STEP_FUNCTIONS_STATE_MACHINE": 1,
    "AWS_EVENT_BRIDGE_BUS": 1, "AWS_CLOUDWATCH_ALARM": 5, "AWS_ECR_REPOSITORY": 2,
    "AWS_GLUE_JOBS": 1, "AWS_SAGEMAKER_ENDPOINT": 1, "BEAN_STALK": 1, "AWS_COGNITO_USER_POOL": 1,
    # global: once per account
    "AWS_S3_BUCKET": 10, "CLOUDFRONT": 1, "AWS_HOSTED_ZONE": 2, "AWS_IAM_ROLE": 15,
    "AWS_IAM_USER": 5,
}  # fmt: skip
GLOBAL_TYPES = frozenset(spec.type_code for spec in RESOURCE_TYPES if spec.service.is_global)
# A type listed per parent item (ECS services per cluster) -> the parent's type.
PARENT_TYPES = {
    spec.type_code: next(
        other.type_code
        for other in RESOURCE_TYPES
        if other.service == spec.service and other.list_call == spec.parent.call
    )
    for spec in RESOURCE_TYPES
    if spec.parent is not None
}


@dataclass(frozen=True)
class EndpointInfo:
    """What a client needs to use the endpoint (the CLI prints it as one JSON line)."""

    endpoint_url: str
    management_account_id: str
    access_key_id: str
    secret_access_key: str
    role_name: str
    external_id: str
    regions: list[str]
    accounts: list[str]
    trusted_account_id: str
    organization_id: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _unit(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class Organization:
    accounts_count: int
    regions: Sequence[str]
    seed: int = 1
    scale: float = 1.0
    mix: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIX))

    def __post_init__(self) -> None:
        base = 100_000_000_000 + (self.seed % 9000) * 10_000_000
        self.accounts = [f"{base + i:012d}" for i in range(self.accounts_count)]
        self.account_index = {account: i for i, account in enumerate(self.accounts)}
        self.region_index = {region: i for i, region in enumerate(self.regions)}
        self.trusted_account_id = f"{999_000_000_000 + self.seed % 1_000_000:012d}"
        self.organization_id = f"o-{self.seed % 10**10:010d}"
        self.external_id = (
            "bench-" + hashlib.blake2b(f"external-{self.seed}".encode(), digest_size=8).hexdigest()
        )
        self.access_key_id = f"AKIA{self.trusted_account_id}BNCH"
        self.secret_access_key = hashlib.blake2b(
            f"secret-{self.seed}".encode(), digest_size=20
        ).hexdigest()
        self.counts = {
            (a, r, code): self._count(a, r, code)
            for a in range(self.accounts_count)
            for r in range(len(self.regions))
            for code in self.mix
            if r == 0 or code not in GLOBAL_TYPES
        }
        # Without a parent there is nothing to list a child under.
        for (a, r, code), _n in self.counts.items():
            if code in PARENT_TYPES and not self.counts.get((a, r, PARENT_TYPES[code])):
                self.counts[(a, r, code)] = 0

    @property
    def management_account_id(self) -> str:
        return self.accounts[0]

    def _count(self, account: int, region: int, code: str) -> int:
        """Between half and one and a half times the mix, so no two scopes look alike."""
        factor = 0.5 + _unit(self.seed, account, region, code)
        return round(self.mix[code] * self.scale * factor)

    def count(self, account: int, region: int, code: str) -> int:
        if code in GLOBAL_TYPES:
            region = 0
        return self.counts.get((account, region, code), 0) if region >= 0 else 0

    def role_arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{ROLE_NAME}"

    def organizational_unit(self, account: int) -> str | None:
        """Members alternate between two OUs; the management account sits at the root."""
        if account == 0:
            return None
        return ("Production", "Development")[account % 2]

    def ground_truth(self) -> dict[str, Any]:
        by_type: dict[str, int] = {}
        by_scope: dict[str, int] = {}
        for (a, r, code), n in self.counts.items():
            by_type[code] = by_type.get(code, 0) + n
            region = "global" if code in GLOBAL_TYPES else self.regions[r]
            by_scope[f"{self.accounts[a]}/{region}/{code}"] = n
        return {
            "resources": sum(by_type.values()),
            "by_type": dict(sorted(by_type.items())),
            "by_account_region_type": by_scope,
        }

    def info(self, endpoint_url: str) -> EndpointInfo:
        return EndpointInfo(
            endpoint_url=endpoint_url,
            management_account_id=self.management_account_id,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            role_name=ROLE_NAME,
            external_id=self.external_id,
            regions=list(self.regions),
            accounts=list(self.accounts),
            trusted_account_id=self.trusted_account_id,
            organization_id=self.organization_id,
        )
