"""Amazon MQ brokers.

ListBrokers answers summaries without tags or network: DescribeBroker completes each.
"""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where, per_item
from tether.catalog.common import as_datetime, kms_key_links, network_links
from tether.catalog.services import MQ
from tether.domain.resources import ResourceRecord


def _broker(item: dict[str, Any], where: Where) -> ResourceRecord:
    detail = item.get("Broker") or {}
    tags = {str(key): str(value) for key, value in (detail.get("Tags") or {}).items()}
    name = item.get("BrokerName") or item["BrokerId"]
    return ResourceRecord(
        arn=item["BrokerArn"],
        resource_type="AWS_MQ_BROKER",
        name=tags.get("Name") or name,
        account_id=where.account_id,
        region=where.region,
        state=detail.get("BrokerState") or item.get("BrokerState"),
        tags=tags,
        # Users are left out: names of people's accounts are not inventory.
        attributes={
            "brokerId": item["BrokerId"],
            "brokerName": name,
            "engineType": item.get("EngineType"),
            "engineVersion": detail.get("EngineVersion"),
            "deploymentMode": item.get("DeploymentMode"),
            "hostInstanceType": item.get("HostInstanceType"),
            "publiclyAccessible": detail.get("PubliclyAccessible"),
            "autoMinorVersionUpgrade": detail.get("AutoMinorVersionUpgrade"),
            "storageType": detail.get("StorageType"),
            "authenticationStrategy": detail.get("AuthenticationStrategy"),
        },
        relationships=[
            *network_links(
                where,
                subnet_ids=detail.get("SubnetIds") or [],
                group_ids=detail.get("SecurityGroups") or [],
            ),
            *kms_key_links((detail.get("EncryptionOptions") or {}).get("KmsKeyId")),
        ],
        created_time=as_datetime(item.get("Created") or detail.get("Created")),
    )


BROKERS = ResourceSpec(
    type_code="AWS_MQ_BROKER",
    title="Amazon MQ broker",
    service=MQ,
    list_call=Call("ListBrokers", {"MaxResults": 100}, result_path="BrokerSummaries"),
    normalise=_broker,
    cfn_type="AWS::AmazonMQ::Broker",
    enrich=(
        per_item(
            Call("DescribeBroker"),
            lambda item: {"BrokerId": item["BrokerId"]},
            "Broker",
            gone=frozenset({"NotFoundException"}),
        ),
    ),
    tag_source="DescribeBroker",
)

TYPES: tuple[ResourceSpec, ...] = (BROKERS,)
