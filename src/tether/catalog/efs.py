"""Amazon EFS file systems (DescribeFileSystems answers their tags)."""

from __future__ import annotations

from typing import Any

from tether.catalog.base import Call, ResourceSpec, Where
from tether.catalog.common import as_datetime, kms_key_links, tag_map
from tether.catalog.services import EFS
from tether.domain.resources import ResourceRecord


def _file_system(item: dict[str, Any], where: Where) -> ResourceRecord:
    tags = tag_map(item.get("Tags"))
    file_system_id = item["FileSystemId"]
    arn = item.get("FileSystemArn") or (
        f"arn:{where.partition}:elasticfilesystem:{where.region}:{where.account_id}"
        f":file-system/{file_system_id}"
    )
    return ResourceRecord(
        arn=arn,
        resource_type="AWS_EFS",
        name=tags.get("Name") or item.get("Name") or file_system_id,
        account_id=where.account_id,
        region=where.region,
        zone=item.get("AvailabilityZoneName"),  # One Zone file systems only
        state=item.get("LifeCycleState"),
        tags=tags,
        # SizeInBytes changes by itself: not kept.
        attributes={
            "fileSystemId": file_system_id,
            "performanceMode": item.get("PerformanceMode"),
            "throughputMode": item.get("ThroughputMode"),
            "provisionedThroughputInMibps": item.get("ProvisionedThroughputInMibps"),
            "encrypted": item.get("Encrypted"),
            "numberOfMountTargets": item.get("NumberOfMountTargets"),
            "ownerId": item.get("OwnerId"),
        },
        relationships=kms_key_links(item.get("KmsKeyId")),
        created_time=as_datetime(item.get("CreationTime")),
    )


FILE_SYSTEMS = ResourceSpec(
    type_code="AWS_EFS",
    title="EFS file system",
    service=EFS,
    # AWS pages at 100 whatever is asked.
    list_call=Call("DescribeFileSystems", {"MaxItems": 100}, result_path="FileSystems"),
    normalise=_file_system,
    cfn_type="AWS::EFS::FileSystem",
)

TYPES: tuple[ResourceSpec, ...] = (FILE_SYSTEMS,)
