"""Amazon OpenSearch Service domains (OpenSearch and Elasticsearch engines alike).

ListDomainNames answers names only; DescribeDomains completes five domains per call and
ListTags reads each domain's tags by ARN.
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, Enrich, Item, ResourceSpec, Where, per_item
from tether.catalog.common import kms_key_links, network_links, tag_map
from tether.catalog.services import OPENSEARCH
from tether.domain.resources import ResourceRecord

_NOT_FOUND = "ResourceNotFoundException"


def _merge_statuses(items: list[Item], statuses: Any) -> list[Item]:
    """DescribeDomains leaves out a domain deleted since it was listed: it is dropped."""
    by_name = {status["DomainName"]: status for status in statuses or []}
    for item in items:
        if item["DomainName"] in by_name:
            item["DomainStatus"] = by_name[item["DomainName"]]
    return [item for item in items if "DomainStatus" in item]


def _tags_request(item: Item) -> dict[str, Any]:
    return {"ARN": item["DomainStatus"]["ARN"]}


def _relationships(status: dict[str, Any], where: Where) -> list[dict[str, str]]:
    vpc = status.get("VPCOptions") or {}
    key = (status.get("EncryptionAtRestOptions") or {}).get("KmsKeyId")
    return [
        *network_links(
            where, vpc.get("VPCId"), vpc.get("SubnetIds") or [], vpc.get("SecurityGroupIds") or []
        ),
        *kms_key_links(key),
    ]


def _state(status: dict[str, Any]) -> str:
    """DomainProcessingStatus when AWS gives it; older answers only have flags, read
    into the same words."""
    if status.get("DomainProcessingStatus"):
        return str(status["DomainProcessingStatus"])
    if status.get("Deleted"):
        return "Deleting"
    if not status.get("Created", True):
        return "Creating"
    if status.get("Processing") or status.get("UpgradeProcessing"):
        return "Modifying"
    return "Active"


def _domain(item: dict[str, Any], where: Where) -> ResourceRecord:
    status = item.get("DomainStatus") or {}
    name = item["DomainName"]
    tags = tag_map(item.get("TagList"))
    cluster = status.get("ClusterConfig") or {}
    arn = status.get("ARN") or (
        f"arn:{where.partition}:es:{where.region}:{where.account_id}:domain/{name}"
    )
    endpoints = status.get("Endpoints") or {}
    return ResourceRecord(
        arn=arn,
        resource_type="ES_SERVICE",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=_state(status),
        tags=tags,
        attributes={
            "domainName": name,
            "domainId": status.get("DomainId"),
            "engineType": item.get("EngineType"),
            "engineVersion": status.get("EngineVersion"),
            "endpoint": status.get("Endpoint") or endpoints.get("vpc"),
            "instanceType": cluster.get("InstanceType"),
            "instanceCount": cluster.get("InstanceCount"),
            "dedicatedMasterEnabled": cluster.get("DedicatedMasterEnabled"),
            "zoneAwarenessEnabled": cluster.get("ZoneAwarenessEnabled"),
            "encryptionAtRest": (status.get("EncryptionAtRestOptions") or {}).get("Enabled"),
            "nodeToNodeEncryption": (status.get("NodeToNodeEncryptionOptions") or {}).get(
                "Enabled"
            ),
        },
        relationships=_relationships(status, where),
        created_time=None,  # AWS does not say when a domain was created
    )


DOMAINS = ResourceSpec(
    type_code="ES_SERVICE",
    title="OpenSearch Service domain",
    service=OPENSEARCH,
    list_call=Call("ListDomainNames", result_path="DomainNames"),
    normalise=_domain,
    cfn_type="AWS::OpenSearchService::Domain",
    enrich=(
        Enrich(
            Call("DescribeDomains", result_path="DomainStatusList"),
            lambda items, _where: {"DomainNames": [item["DomainName"] for item in items]},
            _merge_statuses,
            batch_size=5,  # DescribeDomains' limit
        ),
        per_item(
            Call("ListTags", result_path="TagList"),
            _tags_request,
            "TagList",
            gone=frozenset({_NOT_FOUND}),
        ),
    ),
    tag_source="ListTags",
)

TYPES: tuple[ResourceSpec, ...] = (DOMAINS,)
