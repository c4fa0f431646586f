"""Write what c7n says about each of its AWS resources to ``c7n_aws_resources.json``, so
the type mapping can be checked without c7n installed.

Run with the c7n virtual environment's Python (it imports c7n, not Tether):

    bench/c7n/.venv/bin/python -m bench.c7n.extract

Per resource: the boto3 service, the botocore name of its list operation (``enum_spec``),
the JMESPath to the listed items, the item field c7n uses as the id, and whether c7n
treats it as global (one listing per account).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("c7n_aws_resources.json")


def _operation(session: Any, service: str, method: str) -> str:
    client = session.client(service, region_name="us-east-1")
    mapping: dict[str, str] = client.meta.method_to_api_mapping
    return mapping[method]


def extract() -> dict[str, Any]:
    import boto3
    from c7n.provider import clouds
    from c7n.resources import load_resources
    from c7n.version import version

    load_resources(("aws.*",))
    # Clients are built only to read their operation names; no request is sent.
    session = boto3.session.Session(region_name="us-east-1")
    registry = clouds["aws"].resources
    resources: dict[str, Any] = {}
    for name in sorted(registry.keys()):
        model = registry[name].resource_type
        enum_spec = getattr(model, "enum_spec", None)
        entry: dict[str, Any] = {
            "service": model.service,
            "id": model.id,
            "global": bool(getattr(model, "global_resource", False)),
            "operation": None,
            "items": None,
        }
        if enum_spec:
            entry["operation"] = _operation(session, model.service, enum_spec[0])
            entry["items"] = enum_spec[1]
        resources[f"aws.{name}"] = entry
    return {"c7n": version, "resources": resources}


if __name__ == "__main__":
    data = extract()
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"{len(data['resources'])} resources of c7n {data['c7n']} -> {OUT}\n")
