"""Answers on the wire, serialised from botocore's output shapes: one serializer per protocol.

A dict shaped like boto3's parsed output becomes the bytes AWS would send, so botocore's own
parser reads it back unchanged. Timestamps stay ISO text (botocore parses ISO and epoch
alike in every protocol); blobs are base64 text already.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
REQUEST_ID = "5ynth371-c000-4000-8000-000000000000"
_HEADER_LOCATIONS = frozenset({"header", "headers", "statusCode"})
Serializer = Callable[[OperationModel, dict[str, Any], str], tuple[int, dict[str, str], bytes]]


def _scalar(shape: Shape, value: Any) -> str:
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return escape(str(value))


def _xml(shape: Shape, value: Any, tag: str, out: list[str], item_tag: str) -> None:
    if isinstance(shape, StructureShape):
        out.append(f"<{tag}>")
        _xml_members(shape, value, out, item_tag)
        out.append(f"</{tag}>")
    elif isinstance(shape, ListShape):
        member = shape.member
        name = member.serialization.get("name", item_tag)
        if shape.serialization.get("flattened"):
            for element in value:
                _xml(member, element, tag, out, item_tag)
            return
        out.append(f"<{tag}>")
        for element in value:
            _xml(member, element, name, out, item_tag)
        out.append(f"</{tag}>")
    elif isinstance(shape, MapShape):
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            out.append(f"<{tag}>")
        for key, element in value.items():
            out.append(
                f"<{tag if flattened else 'entry'}><{key_tag}>{escape(str(key))}</{key_tag}>"
            )
            _xml(shape.value, element, value_tag, out, item_tag)
            out.append(f"</{tag if flattened else 'entry'}>")
        if not flattened:
            out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_scalar(shape, value)}</{tag}>")


def _xml_members(shape: StructureShape, value: dict[str, Any], out: list[str], item: str) -> None:
    for name, member in shape.members.items():
        if name not in value or value[name] is None:
            continue
        if member.serialization.get("location") in _HEADER_LOCATIONS:
            continue
        tag = member.serialization.get("name", name)
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            tag = member.member.serialization.get("name", tag)
        _xml(member, value[name], tag, out, item)


def ec2(
    model: OperationModel, answer: dict[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    out = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{model.name}Response xmlns="{EC2_NAMESPACE}">'
    ]
    out.append(f"<requestId>{request_id}</requestId>")
    if model.output_shape is not None:
        _xml_members(model.output_shape, answer, out, "item")  # type: ignore[arg-type]
    out.append(f"</{model.name}Response>")
    return 200, {"Content-Type": "text/xml;charset=UTF-8"}, "".join(out).encode()


def query(
    model: OperationModel, answer: dict[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    namespace = model.service_model.metadata.get("xmlNamespace", "")
    out = [f'<{model.name}Response xmlns="{namespace}">']
    shape = model.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{model.name}Result")
        out.append(f"<{wrapper}>")
        _xml_members(shape, answer, out, "member")  # type: ignore[arg-type]
        out.append(f"</{wrapper}>")
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
    out.append(f"</{model.name}Response>")
    return 200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, "".join(out).encode()


def _status_and_headers(
    shape: StructureShape | None, answer: dict[str, Any]
) -> tuple[int | None, dict[str, str]]:
    status, headers = None, {}
    for name, member in shape.members.items() if shape else ():
        location = member.serialization.get("location")
        if name not in answer or location not in _HEADER_LOCATIONS:
            continue
        if location == "statusCode":
            status = int(answer[name])
        elif location == "header":
            headers[member.serialization.get("name", name)] = str(answer[name])
    return status, headers


def rest_xml(
    model: OperationModel, answer: dict[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    shape: StructureShape | None = model.output_shape  # type: ignore[assignment]
    status, headers = _status_and_headers(shape, answer)
    headers |= {
        "Content-Type": "application/xml",
        "x-amz-request-id": request_id,
        "x-amzn-RequestId": request_id,
    }
    status = status or int(model.http.get("responseCode", 200))
    if shape is None:
        return status, headers, b""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        if payload in answer and isinstance(member, StructureShape):
            _xml(member, answer[payload], member.serialization.get("name", payload), out, "member")
        elif payload in answer:
            return status, headers, str(answer[payload]).encode()
    else:
        root = shape.serialization.get("name", f"{model.name}Result")
        out.append(f"<{root}>")
        _xml_members(shape, answer, out, "member")
        out.append(f"</{root}>")
    return status, headers, "".join(out).encode()


def _json(shape: Shape | None, value: Any) -> Any:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            member.serialization.get("name", name): _json(member, value[name])
            for name, member in shape.members.items()
            if name in value and value[name] is not None
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_json(shape.member, element) for element in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _json(shape.value, element) for key, element in value.items()}
    return value


def json_rpc(
    model: OperationModel, answer: dict[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    version = model.service_model.metadata.get("jsonVersion", "1.0")
    headers = {"Content-Type": f"application/x-amz-json-{version}", "x-amzn-RequestId": request_id}
    return 200, headers, json.dumps(_json(model.output_shape, answer)).encode()


def rest_json(
    model: OperationModel, answer: dict[str, Any], request_id: str
) -> tuple[int, dict[str, str], bytes]:
    shape: StructureShape | None = model.output_shape  # type: ignore[assignment]
    status, headers = _status_and_headers(shape, answer)
    headers |= {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
    status = status or int(model.http.get("responseCode", 200))
    if shape is None:
        return status, headers, b"{}"
    payload = shape.serialization.get("payload")
    if payload:
        value = answer.get(payload)
        body = _json(shape.members[payload], value) if value is not None else {}
        return status, headers, (json.dumps(body) if not isinstance(body, str) else body).encode()
    body = _json(shape, {k: v for k, v in answer.items() if _in_body(shape, k)})
    return status, headers, json.dumps(body).encode()


def _in_body(shape: StructureShape, name: str) -> bool:
    member = shape.members.get(name)
    return member is not None and member.serialization.get("location") not in _HEADER_LOCATIONS


SERIALIZERS: dict[str, Serializer] = {
    "ec2": ec2,
    "query": query,
    "json": json_rpc,
    "rest-json": rest_json,
    "rest-xml": rest_xml,
}


def minimal(shape: Shape | None, depth: int = 0) -> Any:
    """The smallest valid value of a shape: required members filled, top-level lists empty,
    so that a tool reading an operation Tether does not emulate still gets a real answer."""
    if shape is None:
        return {}
    if isinstance(shape, StructureShape):
        value = {
            name: minimal(member, depth + 1)
            for name, member in shape.members.items()
            if depth < 6
            and (name in shape.required_members or (depth == 0 and isinstance(member, ListShape)))
            and member.serialization.get("location") not in _HEADER_LOCATIONS
        }
        return value
    if isinstance(shape, ListShape):
        return []
    if isinstance(shape, MapShape):
        return {}
    defaults: dict[str, Any] = {
        "boolean": False,
        "timestamp": "1970-01-01T00:00:00Z",
        "blob": "",
    }
    if shape.type_name in ("integer", "long", "double", "float"):
        return 0
    if shape.type_name == "string" and shape.enum:
        return shape.enum[0]
    return defaults.get(shape.type_name, "")
