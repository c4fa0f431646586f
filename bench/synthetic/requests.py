"""Reading a signed request: which service and operation, and its top-level parameters.

Protocol detection and REST routing are Tether's emulator's (``aws_requests``); this adds
the signing names botocore's models do not share and the member names of REST parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import botocore.session
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.model import OperationModel, ServiceModel

from tether.emulator.aws_requests import (
    Protocol,
    ServiceCatalog,
    ServiceInfo,
    _rest_route,
    operation_name,
    request_protocol,
)

# SigV4 signing names that are not botocore's service names.
SIGNING_TO_SERVICE = {
    "monitoring": "cloudwatch",
    "states": "stepfunctions",
    "es": "opensearch",
    "elasticfilesystem": "efs",
    "elasticloadbalancing": "elbv2",
    "email": "ses",
    "execute-api": "apigateway",
    "tagging": "resourcegroupstaggingapi",
}
# The older Elasticsearch API (boto3 "es") signs as OpenSearch does; its paths tell it apart.
ES_PATH = "/2015-01-01/"
ELB_CLASSIC_VERSION = "2012-06-01"


@dataclass(frozen=True)
class Parsed:
    service: str  # botocore's name
    protocol: Protocol
    info: ServiceInfo
    model: OperationModel | None
    params: dict[str, Any]
    text: str  # path, query and body, decoded: where item ids are looked for


class RequestReader:
    def __init__(self) -> None:
        self._catalog = ServiceCatalog()
        self._session = botocore.session.get_session()
        self._models: dict[str, ServiceModel | None] = {}
        self._rest_names: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self._es_info: ServiceInfo | None = None

    def _info(self, service: str) -> ServiceInfo:
        """The emulator's routing by signing name, but the "es" model's own routes for the
        older Elasticsearch API (the emulator reads "es" as OpenSearch)."""
        if service != "es":
            return self._catalog.load(service)
        if self._es_info is None:
            model = self._session.get_service_model("es")
            routes = tuple(_rest_route(model.operation_model(op)) for op in model.operation_names)
            info = self._catalog.load("es")
            self._es_info = replace(info, service_name="es", routes=routes)
        return self._es_info

    def service_model(self, service: str) -> ServiceModel | None:
        if service not in self._models:
            try:
                self._models[service] = self._session.get_service_model(service)
            except (UnknownServiceError, DataNotFoundError):
                self._models[service] = None
        return self._models[service]

    def read(
        self,
        signing: str,
        method: str,
        path: str,
        query: dict[str, str],
        raw_path: str,
        headers: Any,
        body: bytes,
    ) -> Parsed:
        form: dict[str, str] = {}
        if "X-Amz-Target" not in headers and body and b"Action=" in body:
            form = dict(parse_qsl(body.decode()))
        form = {**query, **form}
        service = SIGNING_TO_SERVICE.get(signing, signing)
        if service == "elbv2" and form.get("Version") == ELB_CLASSIC_VERSION:
            service = "elb"
        if service == "apigateway" and path.startswith("/v2/"):
            service = "apigatewayv2"
        if service == "opensearch" and path.startswith(ES_PATH):
            service = "es"
        info = self._info(service)
        protocol = request_protocol(info, headers, "Action" in form, service)
        operation = operation_name(info, protocol, method, path, form, headers)
        model = self.service_model(service)
        op_model = None
        if model is not None and operation in model.operation_names:
            op_model = model.operation_model(operation)
        text = unquote_plus(raw_path + " " + body.decode(errors="replace"))
        params: dict[str, Any] = form
        if protocol == "json":
            params = json.loads(body or b"{}")
        elif protocol in ("rest-json", "rest-xml") and op_model is not None:
            params = self._rest_params(service, op_model, query, headers, body, protocol)
        return Parsed(service, protocol, info, op_model, params, text)

    def _rest_params(
        self,
        service: str,
        model: OperationModel,
        query: dict[str, str],
        headers: Any,
        body: bytes,
        protocol: str,
    ) -> dict[str, Any]:
        names = self._rest_names.get((service, model.name))
        if names is None:
            names = {}
            shape = model.input_shape
            for member, member_shape in shape.members.items() if shape else ():
                location = member_shape.serialization.get("location", "body")
                names[member] = (location, member_shape.serialization.get("name", member))
            self._rest_names[(service, model.name)] = names
        loaded = json.loads(body) if protocol == "rest-json" and body else {}
        params: dict[str, Any] = {}
        for member, (location, wire) in names.items():
            if location == "querystring" and wire in query:
                params[member] = query[wire]
            elif location == "header" and wire in headers:
                params[member] = headers[wire]
            elif location == "body" and isinstance(loaded, dict) and wire in loaded:
                params[member] = loaded[wire]
        return params
