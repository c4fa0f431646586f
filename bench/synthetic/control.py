"""The unsigned control routes under ``/_synthetic/``: stats, mutation and ground truth."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bench.synthetic.server import Endpoint


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(value).encode(), content_type="application/json"
    )


class Control:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    async def handle(self, request: web.BaseRequest) -> web.Response:
        route = (request.method, request.path.removeprefix("/_synthetic/"))
        endpoint = self.endpoint
        inventory = endpoint.inventory
        if route == ("GET", "stats"):
            report = endpoint.stats.report()
            report["buckets"] = endpoint.throttle.report()
            report["longest_chain"] = inventory.longest_chain(endpoint.catalog.page_sizes())
            return _json(report)
        if route == ("POST", "reset-stats"):
            endpoint.stats.reset()
            endpoint.throttle.reset()
            return _json({"reset": True})
        if route == ("POST", "mutate"):
            body = json.loads(await request.read() or b"{}")
            changed = inventory.mutate(float(body.get("fraction", 0.01)), int(body.get("seed", 0)))
            endpoint.clear_cache()
            return _json({"changed": changed})
        if route == ("GET", "ground-truth"):
            return _json(inventory.org.ground_truth())
        if route == ("GET", "ids"):
            return self._ids(request)
        if route == ("GET", "info"):
            return _json(endpoint.info)
        return _json({"error": f"no route {route[0]} /_synthetic/{route[1]}"}, 404)

    def _ids(self, request: web.BaseRequest) -> web.Response:
        inventory = self.endpoint.inventory
        org = inventory.org
        account = org.account_index.get(request.query.get("account", ""))
        region = org.region_index.get(request.query.get("region", ""), 0)
        code = request.query.get("type", "")
        if account is None or code not in inventory.templates:
            return _json({"error": "unknown account or type"}, 400)
        return _json({"ids": inventory.ids(account, region, code)})
