"""Input checked at the door, the same on both databases, before any view sees it.

* Control characters: PostgreSQL refuses NUL in text (SQLite stores it), and no field of the desk
  has a use for the others. A query parameter may hold none; a form field or JSON string may hold
  tab and line breaks only. Refused with 400 naming the field and the character.
* Numbers: integers in paths fit the database's integer columns (a larger one is simply not found,
  404); ``page`` is bounded.
* JSON: at most ``MAX_JSON_BYTES`` (413) and ``MAX_JSON_DEPTH`` levels deep (400), checked in the
  app's JSON loader, so every ``request.get_json`` is covered.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

#: Integers in paths end at the largest id the database's INTEGER columns hold.
MAX_PATH_INT = 2**31 - 1
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
#: Query parameters that are numbers, with their bounds.
NUMERIC_QUERY = {"page": (1, 1_000_000)}

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InputRefused(BadRequest):
    """400 with the field and the reason."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field


def _control_problem(value: str, pattern: re.Pattern) -> str | None:
    found = pattern.search(value)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} is not allowed (at position {found.start() + 1})"


def check_text(field: str, value: str, *, multiline: bool = True) -> None:
    if not isinstance(value, str):
        return
    problem = _control_problem(value, _CONTROL_BUT_WHITESPACE if multiline else _ANY_CONTROL)
    if problem:
        raise InputRefused(field, problem)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers the database can hold (others: 404, never 500)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_PATH_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def check_request() -> None:
    """The request hook: query parameters, form fields and path segments."""
    for key, value in request.args.items(multi=True):
        check_text(f"query parameter {key!r}", key, multiline=False)
        check_text(key, value, multiline=False)
        if key in NUMERIC_QUERY and value.strip():
            low, high = NUMERIC_QUERY[key]
            try:
                number = int(value)
            except ValueError:
                raise InputRefused(key, f"{value[:20]!r} is not a whole number") from None
            if not low <= number <= high:
                raise InputRefused(key, f"must be between {low} and {high:,}")
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            check_text(f"form field {key!r}", key, multiline=False)
            check_text(key, value)
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(key, value, multiline=False)


def _walk(value: Any, path: str = "") -> None:
    """Depth and text of a parsed JSON document, without recursion (a deep one is the attack)."""
    stack = [(value, path, 1)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputRefused(where or "body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            check_text(where or "body", item)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(f"{where + '.' if where else ''}{key[:40]} (key)", key, multiline=False)
                stack.append((child, f"{where + '.' if where else ''}{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]", depth + 1) for index, child in enumerate(item))


class CheckedJSONProvider(DefaultJSONProvider):
    """The app's JSON: bounded in size and depth, no control characters in any string."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if len(s) > MAX_JSON_BYTES:
            raise RequestEntityTooLarge(f"the JSON body is larger than {MAX_JSON_BYTES // 1024} KB")
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise InputRefused("body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
        _walk(value)
        return value


def init_app(app: Flask) -> None:
    app.json = CheckedJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_request)
