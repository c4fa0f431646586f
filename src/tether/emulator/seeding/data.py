"""Seeders of the data, storage, streaming and messaging types (see ``tether.emulator.seeding``).

The base set already holds one bucket, queue and table per region. These add, per region:
an RDS instance (tagged) and an Aurora cluster (tagged) with one untagged member, an
ElastiCache cluster, an untagged Redshift cluster, an EFS file system, two SNS topics (one
untagged), a Kinesis stream, a Firehose stream writing to the region's bucket, an
OpenSearch domain, an MSK cluster and an Amazon MQ broker. They sit in the base subnet and
security group, so their relationships point at real resources.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tether.emulator.seed_resources import RegionSeeder

DB_INSTANCE = "AWS::RDS::DBInstance"
DB_CLUSTER = "AWS::RDS::DBCluster"
CACHE_CLUSTER = "AWS::ElastiCache::CacheCluster"
REDSHIFT_CLUSTER = "AWS::Redshift::Cluster"
FILE_SYSTEM = "AWS::EFS::FileSystem"
TOPIC = "AWS::SNS::Topic"
STREAM = "AWS::Kinesis::Stream"
DELIVERY_STREAM = "AWS::KinesisFirehose::DeliveryStream"
DOMAIN = "AWS::OpenSearchService::Domain"
MSK_CLUSTER = "AWS::MSK::Cluster"
BROKER = "AWS::AmazonMQ::Broker"


def _tag_list(tags: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags]


def _base_id(seeder: RegionSeeder, kind: str) -> str:
    """The id of the base set's resource of ``kind`` in this region."""
    found = (r for r in seeder.found if r.resource_type == kind and r.region == seeder.region)
    return next(found).resource_id


def _password() -> str:
    """Master passwords are required by the APIs; nothing ever signs in with them."""
    return f"Aa1-{secrets.token_hex(12)}"


def seed_rds(seeder: RegionSeeder) -> None:
    rds = seeder.client("rds")
    group = _base_id(seeder, "AWS::EC2::SecurityGroup")
    tags = [("Name", f"{seeder.prefix}-orders-db"), *seeder.tags]
    instance = rds.create_db_instance(
        DBInstanceIdentifier=f"{seeder.prefix}-orders",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="tether",
        MasterUserPassword=_password(),
        VpcSecurityGroupIds=[group],
        Tags=_tag_list(tags),
    )["DBInstance"]
    seeder.record(DB_INSTANCE, instance["DBInstanceIdentifier"], instance["DBInstanceArn"], tags)
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=f"{seeder.prefix}-ledger",
        Engine="aurora-postgresql",
        MasterUsername="tether",
        MasterUserPassword=_password(),
        VpcSecurityGroupIds=[group],
        Tags=_tag_list(seeder.tags),
    )["DBCluster"]
    seeder.record(DB_CLUSTER, cluster["DBClusterIdentifier"], cluster["DBClusterArn"], seeder.tags)
    member = rds.create_db_instance(
        DBInstanceIdentifier=f"{seeder.prefix}-ledger-1",
        Engine="aurora-postgresql",
        DBInstanceClass="db.t3.medium",
        DBClusterIdentifier=cluster["DBClusterIdentifier"],
    )["DBInstance"]
    seeder.record(DB_INSTANCE, member["DBInstanceIdentifier"], member["DBInstanceArn"], [])


def seed_elasticache(seeder: RegionSeeder) -> None:
    cluster = seeder.client("elasticache").create_cache_cluster(
        CacheClusterId=f"{seeder.prefix}-sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        SecurityGroupIds=[_base_id(seeder, "AWS::EC2::SecurityGroup")],
        Tags=_tag_list(seeder.tags),
    )["CacheCluster"]
    seeder.record(CACHE_CLUSTER, cluster["CacheClusterId"], cluster["ARN"], seeder.tags)


def seed_redshift(seeder: RegionSeeder) -> None:
    """Untagged: DescribeClusters answers tags, and an empty list must come out empty."""
    name = f"{seeder.prefix}-warehouse"
    seeder.client("redshift").create_cluster(
        ClusterIdentifier=name,
        NodeType="ra3.large",
        ClusterType="single-node",
        MasterUsername="tether",
        MasterUserPassword=_password(),
    )
    arn = f"arn:aws:redshift:{seeder.region}:{seeder.account_id}:cluster:{name}"
    seeder.record(REDSHIFT_CLUSTER, name, arn, [])


def seed_efs(seeder: RegionSeeder) -> None:
    tags = [("Name", f"{seeder.prefix}-shared"), *seeder.tags]
    file_system = seeder.client("efs").create_file_system(
        CreationToken=f"{seeder.prefix}-shared",
        PerformanceMode="generalPurpose",
        Encrypted=True,
        Tags=_tag_list(tags),
    )
    seeder.record(FILE_SYSTEM, file_system["FileSystemId"], file_system["FileSystemArn"], tags)


def seed_sns(seeder: RegionSeeder) -> None:
    sns = seeder.client("sns")
    tagged = sns.create_topic(Name=f"{seeder.prefix}-alerts", Tags=_tag_list(seeder.tags))
    seeder.record(TOPIC, f"{seeder.prefix}-alerts", tagged["TopicArn"], seeder.tags)
    bare = sns.create_topic(Name=f"{seeder.prefix}-audit.fifo", Attributes={"FifoTopic": "true"})
    seeder.record(TOPIC, f"{seeder.prefix}-audit.fifo", bare["TopicArn"], [])


def seed_kinesis(seeder: RegionSeeder) -> None:
    kinesis = seeder.client("kinesis")
    name = f"{seeder.prefix}-clicks"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    # CreateStream's own Tags are ignored by moto: tag afterwards, as older SDKs did.
    kinesis.add_tags_to_stream(StreamName=name, Tags=dict(seeder.tags))
    arn = f"arn:aws:kinesis:{seeder.region}:{seeder.account_id}:stream/{name}"
    seeder.record(STREAM, name, arn, seeder.tags)


def seed_firehose(seeder: RegionSeeder) -> None:
    """Writes to the base set's bucket (recorded first by ``seed_s3``)."""
    bucket = _base_id(seeder, "AWS::S3::Bucket")
    role = f"arn:aws:iam::{seeder.account_id}:role/{seeder.prefix}-firehose"
    name = f"{seeder.prefix}-events-archive"
    stream = seeder.client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": role,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "events/",
        },
        Tags=_tag_list(seeder.tags),
    )
    seeder.record(DELIVERY_STREAM, name, stream["DeliveryStreamARN"], seeder.tags)


def seed_opensearch(seeder: RegionSeeder) -> None:
    tags = [("Name", f"{seeder.prefix}-logs"), *seeder.tags]
    domain = seeder.client("opensearch").create_domain(
        DomainName=f"{seeder.prefix}-logs",
        EngineVersion="OpenSearch_2.11",
        ClusterConfig={"InstanceType": "t3.small.search", "InstanceCount": 1},
        TagList=_tag_list(tags),
    )["DomainStatus"]
    seeder.record(DOMAIN, domain["DomainName"], domain["ARN"], tags)


def seed_msk(seeder: RegionSeeder) -> None:
    cluster = seeder.client("kafka").create_cluster_v2(
        ClusterName=f"{seeder.prefix}-stream",
        Provisioned={
            "BrokerNodeGroupInfo": {
                "InstanceType": "kafka.t3.small",
                "ClientSubnets": [_base_id(seeder, "AWS::EC2::Subnet")],
                "SecurityGroups": [_base_id(seeder, "AWS::EC2::SecurityGroup")],
            },
            "KafkaVersion": "3.6.0",
            "NumberOfBrokerNodes": 1,
        },
        Tags=dict(seeder.tags),
    )
    seeder.record(MSK_CLUSTER, cluster["ClusterName"], cluster["ClusterArn"], seeder.tags)


def seed_mq(seeder: RegionSeeder) -> None:
    tags = [("Name", f"{seeder.prefix}-jobs"), *seeder.tags]
    broker = seeder.client("mq").create_broker(
        BrokerName=f"{seeder.prefix}-jobs",
        DeploymentMode="SINGLE_INSTANCE",
        EngineType="ACTIVEMQ",
        EngineVersion="5.18",
        HostInstanceType="mq.t3.micro",
        PubliclyAccessible=False,
        AutoMinorVersionUpgrade=True,
        SubnetIds=[_base_id(seeder, "AWS::EC2::Subnet")],
        SecurityGroups=[_base_id(seeder, "AWS::EC2::SecurityGroup")],
        Users=[{"Username": "tether", "Password": _password()}],
        Tags=dict(tags),
    )
    seeder.record(BROKER, broker["BrokerId"], broker["BrokerArn"], tags)


# The CloudFormation types these seeders create (ground truth must hold each).
TYPES: tuple[str, ...] = (
    DB_INSTANCE,
    DB_CLUSTER,
    CACHE_CLUSTER,
    REDSHIFT_CLUSTER,
    FILE_SYSTEM,
    TOPIC,
    STREAM,
    DELIVERY_STREAM,
    DOMAIN,
    MSK_CLUSTER,
    BROKER,
)
SEEDERS: tuple[Callable[[RegionSeeder], None], ...] = (
    seed_rds,
    seed_elasticache,
    seed_redshift,
    seed_efs,
    seed_sns,
    seed_kinesis,
    seed_firehose,
    seed_opensearch,
    seed_msk,
    seed_mq,
)
