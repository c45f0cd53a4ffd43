"""CSV cells that a spreadsheet would run as a formula, neutralised (OWASP's CSV injection rule).

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
single quote, so Excel and LibreOffice show it as text instead of evaluating it; the ``csv``
module already quotes separators, quotes and line breaks. Numbers, amounts and dates are the
portal's own values and pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
