"""Money for the core: the contract's :mod:`portal.plugin_api.money`, which plugins use too (the
contract may not import the core, so the one definition lives there)."""

from .plugin_api.money import (  # noqa: F401
    NON_TENDER,
    Money,
    MoneyError,
    check_currency,
    format_amount,
    minor_digits,
    parse_amount,
    quantize,
)
