"""The paged-result shape of every ``.../search`` endpoint, and its query parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tether.store.paging import MAX_PAGE_SIZE, Page, PageRequest

T = TypeVar("T")


class Paged(BaseModel, Generic[T]):
    results: list[T]
    totalResults: int
    pageNo: int
    pageSize: int
    totalPages: int
    nextPage: bool
    previousPageNo: int
    descendingOrder: bool


def page_request(
    pageNo: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    pageSize: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    sortName: Annotated[str | None, Query(max_length=64)] = None,
    isDescendingOrder: bool = False,
) -> PageRequest:
    return PageRequest(
        page_no=pageNo, page_size=pageSize, sort_name=sortName, descending=isDescendingOrder
    )


PageParams = Annotated[PageRequest, Depends(page_request)]

QueryString = Annotated[
    str | None,
    Query(max_length=2048, description="key:value pairs joined by '+', e.g. name:Acme"),
]


class DocumentResponse(JSONResponse):
    """A plain JSON document, encoded by orjson: a page of 100 resources encodes in a tenth
    of the standard library's time. Same bytes as ``JSONResponse`` but for spacing."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def paged_document(page: Page[Any], render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The same page as a plain document, for the hottest searches: their items are already
    dicts of the documented shape, so validating them again would only cost time (the
    schema tests check the shape)."""
    request = page.request
    return {
        "results": [render(item) for item in page.items],
        "totalResults": page.total,
        "pageNo": request.page_no,
        "pageSize": request.page_size,
        "totalPages": page.total_pages,
        "nextPage": page.has_next,
        "previousPageNo": request.page_no - 1,
        "descendingOrder": request.descending,
    }


def paged(page: Page[Any], render: Callable[[Any], T]) -> Paged[T]:
    request = page.request
    return Paged[T](
        results=[render(item) for item in page.items],
        totalResults=page.total,
        pageNo=request.page_no,
        pageSize=request.page_size,
        totalPages=page.total_pages,
        nextPage=page.has_next,
        previousPageNo=request.page_no - 1,
        descendingOrder=request.descending,
    )
