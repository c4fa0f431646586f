"""The catalog's own calls: list pages (with parents) and enrich answers, per template."""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, StructureShape

from bench.synthetic.items import Inventory, nest
from bench.synthetic.paging import Paging, paging_for
from bench.synthetic.wire import minimal
from tether.catalog.base import ResourceSpec
from tether.emulator.aws_errors import AwsError

Key = tuple[str, str]  # (botocore service name, operation)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


class CatalogCalls:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.lists: dict[Key, str] = {}
        self.enrich: dict[Key, list[tuple[str, int]]] = {}
        self.paging: dict[Key, Paging] = {}
        for code, template in inventory.templates.items():
            spec = template.spec
            key = (spec.service.client_name, spec.list_call.operation)
            self.lists.setdefault(key, code)
            for step, enrich in enumerate(spec.enrich):
                self.enrich.setdefault(
                    (spec.service.client_name, enrich.call.operation), []
                ).append((code, step))
        for key in self.lists:
            self.paging[key] = paging_for(*key)

    def handles(self, key: Key) -> bool:
        return key in self.lists or key in self.enrich

    def page_sizes(self) -> dict[str, int]:
        """The page size Tether's own list calls get, per type (for the limit model)."""
        sizes = {}
        for code, template in self.inventory.templates.items():
            spec = template.spec
            paging = self.paging[(spec.service.client_name, spec.list_call.operation)]
            asked = spec.list_call.params.get(paging.limit_key or "")
            sizes[code] = int(asked) if asked else paging.default_size
        return sizes

    def answer(
        self,
        key: Key,
        model: OperationModel,
        account: int,
        region: int,
        params: dict[str, Any],
        text: str,
    ) -> dict[str, Any] | AwsError:
        if key in self.lists:
            return self._page(key, model, account, region, params)
        return self._enriched(key, account, region, text)

    def _parent_code(self, spec: ResourceSpec) -> str:
        assert spec.parent is not None
        return self.lists[(spec.service.client_name, spec.parent.call.operation)]

    def _page(
        self, key: Key, model: OperationModel, account: int, region: int, params: dict[str, Any]
    ) -> dict[str, Any]:
        code = self.lists[key]
        inventory = self.inventory
        template = inventory.templates[code]
        spec = template.spec
        indexes: range | list[int] = range(
            inventory.org.count(account, region, code) if region >= 0 else 0
        )
        if spec.parent is not None and spec.parent.param in params:
            parent_code = self._parent_code(spec)
            parents = inventory.org.count(account, region, parent_code)
            named = inventory.named(parent_code, str(params[spec.parent.param]))
            chosen = {i for a, r, i in named if (a, r) == (account, region)}
            indexes = [i for i in indexes if parents and i % parents in chosen]
        paging = self.paging[key]
        start, end, token = paging.page(params, len(indexes))
        elements = [inventory.element(code, account, region, i) for i in indexes[start:end]]
        answer = _deep_merge(minimal(model.output_shape), nest(template.list_path, elements))
        container = answer
        for part in template.list_path[:-1]:
            container = container[part]
        shape = model.output_shape
        for part in template.list_path[:-1]:
            shape = shape.members[part]  # type: ignore[union-attr]
        if isinstance(shape, StructureShape) and "Quantity" in shape.members:
            container["Quantity"] = len(elements)
        if key == ("kinesis", "ListStreams"):
            # AWS answers the names beside the summaries (older clients read only them).
            answer["StreamNames"] = [element["StreamName"] for element in elements]
        paging.mark(answer, token)
        return answer

    def _enriched(
        self, key: Key, account: int, region: int, text: str
    ) -> dict[str, Any] | AwsError:
        inventory = self.inventory
        answer: dict[str, Any] | None = None
        gone = "ResourceNotFoundException"
        for code, step in self.enrich[key]:
            enrich = inventory.templates[code].spec.enrich[step]
            gone = next(iter(sorted(enrich.gone)), gone)
            for a, r, i in inventory.named(code, text):
                if a != account:
                    continue
                found = inventory.enrich_answer(code, step, a, r, i)
                if "error" in found:
                    return _error(found["error"])
                if answer is None:
                    answer = found["answer"]
                    if enrich.batch_size == 1:
                        return answer
                else:
                    answer[enrich.call.result_path].extend(found["answer"][enrich.call.result_path])
        if answer is None:
            return _error(gone)
        return answer


def _error(code: str) -> AwsError:
    status = 404 if "NotFound" in code or code.startswith("NoSuch") else 400
    return AwsError(status, code, "The resource you requested does not exist.")
