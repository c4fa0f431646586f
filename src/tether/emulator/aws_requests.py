"""What a signed AWS request says about itself: credential scope, wire protocol and operation.

Service metadata comes from botocore's own models, so the proxy agrees with the clients it
serves about which protocol a service speaks and how its REST operations are routed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel, StructureShape

Protocol = Literal["ec2", "query", "json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"]

_SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_CBOR_OPERATION = re.compile(r"^/service/[^/]+/operation/([^/]+)$")
_URI_LABEL = re.compile(r"\{([^}]+)\}")

# SigV4 signing names that differ from botocore's service names.
_SIGNING_NAME_ALIASES = {
    "monitoring": "cloudwatch",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
    "states": "stepfunctions",
    "es": "opensearch",
}


@dataclass(frozen=True)
class CredentialScope:
    """The `Credential=` part of a SigV4 signature (header or presigned query).

    S3's older SigV2 signatures name only the key: their region is None.
    """

    access_key_id: str
    date: str
    region: str | None
    service: str


@dataclass(frozen=True)
class RestRoute:
    """One REST operation: method, path pattern, and the query keys and headers it requires
    (PutObject and CopyObject differ only by the x-amz-copy-source header)."""

    operation: str
    method: str
    pattern: re.Pattern[str]
    query_keys: frozenset[str]
    header_keys: frozenset[str]
    literal_length: int

    @property
    def specificity(self) -> tuple[int, int]:
        return len(self.query_keys) + len(self.header_keys), self.literal_length


@dataclass(frozen=True)
class ServiceInfo:
    """The parts of a botocore service model that the proxy needs."""

    signing_name: str
    service_name: str | None
    protocol: Protocol | None
    api_version: str
    xml_namespace: str | None
    json_version: str
    routes: tuple[RestRoute, ...]


def credential_scope(
    headers: Mapping[str, str], query: Mapping[str, str]
) -> CredentialScope | None:
    """Read the credential scope from the Authorization header or a presigned URL."""
    authorization = headers.get("Authorization", "")
    match = _SIGV4_CREDENTIAL.search(authorization)
    if match:
        return CredentialScope(*match.groups())
    presigned = query.get("X-Amz-Credential", "")
    parts = presigned.split("/")
    if len(parts) == 5 and parts[4] == "aws4_request":
        return CredentialScope(parts[0], parts[1], parts[2], parts[3])
    sigv2_key = query.get("AWSAccessKeyId")
    if sigv2_key is None and authorization.startswith("AWS "):
        sigv2_key = authorization[4:].split(":", 1)[0]
    return CredentialScope(sigv2_key, "", None, "s3") if sigv2_key else None


def sts_authorization(scope: CredentialScope) -> str:
    """An Authorization header carrying the same key but scoped to STS.

    moto routes a request to a backend by the service in the scope and maps the access key
    to its account without verifying the signature, so this is enough to ask moto who the
    caller is.
    """
    credential = f"{scope.access_key_id}/{scope.date}/us-east-1/sts/aws4_request"
    return f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0"


def iam_prefix(signing_name: str) -> str:
    """The IAM action prefix for a signing name (they differ for a few services)."""
    return {"monitoring": "cloudwatch", "email": "ses"}.get(signing_name, signing_name)


def request_protocol(
    info: ServiceInfo | None, headers: Mapping[str, str], has_action_param: bool, service: str
) -> Protocol:
    """Decide the protocol from the request itself first, then from the service model."""
    if headers.get("smithy-protocol", "").lower() == "rpc-v2-cbor":
        return "smithy-rpc-v2-cbor"
    if "X-Amz-Target" in headers:
        return "json"
    if has_action_param:
        return "ec2" if service == "ec2" else "query"
    if info is not None and info.protocol in ("rest-json", "rest-xml"):
        return info.protocol
    return "rest-json"


def operation_name(
    info: ServiceInfo | None,
    protocol: Protocol,
    method: str,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
) -> str | None:
    """The API operation a request calls, or None when it cannot be told."""
    if protocol == "json":
        return headers.get("X-Amz-Target", "").rsplit(".", 1)[-1] or None
    if protocol == "smithy-rpc-v2-cbor":
        match = _CBOR_OPERATION.match(path)
        return match.group(1) if match else None
    if protocol in ("ec2", "query"):
        return params.get("Action")
    if info is None:
        return None
    header_names = {name.lower() for name in headers}
    best: RestRoute | None = None
    for route in info.routes:
        if route.method != method or not route.query_keys.issubset(params.keys()):
            continue
        if not route.header_keys.issubset(header_names) or not route.pattern.fullmatch(path):
            continue
        if best is None or route.specificity > best.specificity:
            best = route
    return best.operation if best else None


def _rest_route(model: OperationModel) -> RestRoute:
    path, _, query = model.http["requestUri"].partition("?")
    pieces: list[str] = []
    literal_length = 0
    position = 0
    for label in _URI_LABEL.finditer(path):
        literal = path[position : label.start()]
        pieces.append(re.escape(literal))
        literal_length += len(literal)
        pieces.append(".+" if label.group(1).endswith("+") else "[^/]+")
        position = label.end()
    tail = path[position:]
    literal_length += len(tail)
    # A trailing slash is optional on the wire (S3 path-style ListObjects sends none).
    pieces.append(re.escape(tail.rstrip("/")) + "/?")
    query_keys = {pair.split("=", 1)[0] for pair in query.split("&") if pair}
    header_keys: set[str] = set()
    shape = model.input_shape
    if isinstance(shape, StructureShape):
        for name in shape.required_members:
            serialization = shape.members[name].serialization
            if serialization.get("location") == "header":
                header_keys.add(str(serialization["name"]).lower())
            elif serialization.get("location") == "querystring":
                query_keys.add(str(serialization["name"]))
    return RestRoute(
        model.name,
        model.http["method"],
        re.compile("".join(pieces)),
        frozenset(query_keys),
        frozenset(header_keys),
        literal_length,
    )


class ServiceCatalog:
    """botocore service models by SigV4 signing name, loaded once each.

    Loading a model reads a large JSON file: call `load` off the event loop.
    """

    def __init__(self) -> None:
        self._session = botocore.session.get_session()
        self._lock = threading.Lock()
        self._services: dict[str, ServiceInfo] = {}

    def cached(self, signing_name: str) -> ServiceInfo | None:
        return self._services.get(signing_name)

    def load(self, signing_name: str) -> ServiceInfo:
        with self._lock:
            info = self._services.get(signing_name)
            if info is None:
                info = self._read_model(signing_name)
                self._services[signing_name] = info
            return info

    def _read_model(self, signing_name: str) -> ServiceInfo:
        name = _SIGNING_NAME_ALIASES.get(signing_name, signing_name)
        try:
            model = self._session.get_service_model(name)
        except UnknownServiceError:
            return ServiceInfo(signing_name, None, None, "", None, "1.0", ())
        resolved = model.resolved_protocol
        protocol = next((p for p in get_args(Protocol) if p == resolved), None)
        routes: tuple[RestRoute, ...] = ()
        if protocol in ("rest-json", "rest-xml"):
            routes = tuple(_rest_route(model.operation_model(op)) for op in model.operation_names)
        metadata = model.metadata
        return ServiceInfo(
            signing_name=signing_name,
            service_name=name,
            protocol=protocol,
            api_version=str(metadata.get("apiVersion", "")),
            xml_namespace=metadata.get("xmlNamespace"),
            json_version=str(metadata.get("jsonVersion", "1.0")),
            routes=routes,
        )
