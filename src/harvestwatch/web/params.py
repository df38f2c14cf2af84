"""Bounded request parameters shared by pages and the API, and the documented error answers.

Every numeric parameter has bounds (a row id fits SQLite's 64-bit integer, a page size its cap),
so an out-of-range value is a 422 that names the parameter, never a 500 or a silently huge
page. Text typed into a search box loses NUL and other control characters before it reaches a
query engine.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel

MAX_ID = 2**63 - 1  # SQLite INTEGER / PostgreSQL BIGINT
MAX_OFFSET = 1_000_000_000
MAX_PAGE = 1_000_000
MAX_QUERY_CHARS = 1000

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id (1 … 2^63-1).")]
PageNumber = Annotated[int, Path(ge=1, le=100_000, description="A page number, from 1.")]
DocFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this document (its id).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Result page, from 1.")]
SearchText = Annotated[str, Query(max_length=MAX_QUERY_CHARS,
                                  description="Full-text query (control characters are ignored).")]
DateBound = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
                                        description="YYYY, YYYY-MM or YYYY-MM-DD.")]


# page sizes from 1 to a cap: ``limit=-1`` or ``limit=10**30`` is a 422, never "everything"
SearchLimit = Annotated[int, Query(ge=1, le=100, description="At most this many hits (1 … 100).")]
ListLimit = Annotated[int, Query(ge=1, le=1000, description="At most this many rows (1 … 1000).")]


def clean_text(value: str | None) -> str:
    """``value`` with NUL, other control characters and lone surrogates turned into spaces."""
    if not value:
        return ""
    return "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000)
                   else c for c in value)


class ErrorBody(BaseModel):
    """What the API answers with on a refused request: one line naming the problem."""

    error: str


def _error(description: str) -> dict:
    return {"model": ErrorBody, "description": description}


API_ERRORS: dict[int | str, dict] = {
    400: _error("The request names something invalid (the line says what)."),
    401: _error("Not logged in."),
    403: _error("The role may not do this, or the CSRF token is missing or wrong."),
    404: _error("No such record, or not visible to this role."),
}


def _page_error(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


PAGE_ERRORS: dict[int | str, dict] = {  # routes outside /api answer with the HTML error page
    400: _page_error("The request names something invalid (the page says what)."),
    403: _page_error("The role may not do this, or the CSRF token is missing or wrong."),
    404: _page_error("No such record, or not visible to this role."),
    422: _page_error("A parameter is out of range or malformed (the page names it)."),
}


def file_responses(media_type: str, description: str, *errors: int) -> dict:
    """OpenAPI ``responses=`` of a route that answers with a file of ``media_type``."""
    return {200: {"description": description, "content": {media_type: {"schema": {"type": "string",
                                                                               "format": "binary"}}}},
            **{code: PAGE_ERRORS[code] for code in errors}}
