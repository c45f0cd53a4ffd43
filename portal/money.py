"""Money for the core: the contract's :mod:`portal.plugin_api.money`, which plugins use too (the
contract may not import the core, so the one definition lives there), and :func:`read_amount`, the
one reader of amounts typed by staff into the portal's forms."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal
from flask import current_app, has_app_context
from flask_babel import gettext as _

from .i18n import N_
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

DEFAULT_LOCALE = "en"
#: Characters that people type (or copy from a page) as a thousands separator when the locale's is a space.
_SPACES = " \u00a0\u202f\u2009"
_CODE_FIRST = re.compile(r"^([A-Za-z]{3})[\s\u00a0\u202f]*(.*)$", re.S)
_CODE_LAST = re.compile(r"^(.*?)[\s\u00a0\u202f]*([A-Za-z]{3})$", re.S)
#: The contract's own reasons (it imports nothing of the portal, so they are English there), each
#: matched with the catalog's words for it, so that a page says it in the page's language.
_CONTRACT_REASONS = (
    (re.compile(r"^is required$"), N_("is required")),
    (re.compile(r"^must not be negative$"), N_("must not be negative")),
    (re.compile(r"^must be more than zero$"), N_("must be more than zero")),
    (re.compile(r"^is too large$"), N_("is too large")),
    (
        re.compile(r"^must be a decimal string, not a floating-point number$"),
        N_("must be a decimal string, not a floating-point number"),
    ),
    (re.compile(r"^'(?P<text>.*)' is not a decimal number$", re.S), N_("'%(text)s' is not a decimal number")),
    (re.compile(r"^'(?P<text>.*)' is not a finite amount$", re.S), N_("'%(text)s' is not a finite amount")),
    (
        re.compile(r"^has more than (?P<digits>\d+) decimal places for (?P<currency>[A-Z]{3})$"),
        N_("has more than %(digits)s decimal places for %(currency)s"),
    ),
)


def money_reason(exc: MoneyError) -> str:
    """Why an amount was refused, in the page's language (English for the API, the CLI, a job)."""
    text = str(exc)
    for pattern, words in _CONTRACT_REASONS:
        found = pattern.match(text)
        if found:
            return _(words, **found.groupdict())
    return text


@lru_cache(maxsize=32)
def check_locale(name: str) -> Locale:
    """The Babel locale named ``name`` (``en``, ``zh_CN``, ``de_DE``…), or ``ValueError`` naming it."""
    try:
        return Locale.parse((name or "").strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(f"{name!r} is not a locale Babel knows ({exc})") from None


def portal_locale() -> Locale:
    """The locale the portal writes and reads numbers in (``COVERDESK_LOCALE``, English by default)."""
    name = current_app.config.get("LOCALE", DEFAULT_LOCALE) if has_app_context() else DEFAULT_LOCALE
    return check_locale(name)


def example_amount(locale: Locale | None = None) -> str:
    """How the portal writes 1850 in ``locale``: what a refusal offers as the way to type it."""
    return format_decimal(Decimal("1850.00"), "#,##0.00", locale=locale or portal_locale())


def read_amount(
    text: str | Decimal | None, currency: str, *, locale: Locale | str | None = None, allow_zero: bool = False
) -> Decimal:
    """An amount typed by staff, accepted the way the portal shows it: ``1,850.00``, ``1850``,
    ``USD 1,850.00`` in English; ``1 850,00`` or ``1.850,00`` where the locale writes numbers so.

    Babel reads the number with the locale's symbols (strictly: ``1,85.00`` is refused, not
    guessed); then :func:`parse_amount` applies the money rules (not negative, not zero unless
    allowed, no more decimal places than the currency has). ``MoneyError`` says why it was refused."""
    if isinstance(text, Decimal):
        return parse_amount(text, currency, allow_zero=allow_zero)
    locale = check_locale(locale) if isinstance(locale, str) else (locale or portal_locale())
    raw = (text or "").strip()
    if not raw:
        raise MoneyError(_("is required"))
    code_first, code_last = _CODE_FIRST.match(raw), _CODE_LAST.match(raw)
    code = None
    if code_first and code_first.group(2) and code_first.group(1).upper() not in ("NAN", "INF"):
        code, raw = code_first.group(1).upper(), code_first.group(2)
    elif code_last and code_last.group(1):
        code, raw = code_last.group(2).upper(), code_last.group(1)
    if code is not None and code != currency:
        raise MoneyError(_("is in %(code)s, but this amount is in %(currency)s", code=code, currency=currency))
    if raw.startswith(("-", "\u2212")):
        raise MoneyError(_("must not be negative"))
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    if group in _SPACES:
        # A space-grouping locale: any space typed between digits is its group symbol.
        raw = re.sub(f"[{_SPACES}]", group, raw)
    if not raw or any(not (char.isdigit() or char in (group, decimal)) for char in raw):
        raise MoneyError(
            _(
                "'%(text)s' is not an amount (write it like %(example)s or 1850)",
                text=(text or "").strip(),
                example=example_amount(locale),
            )
        )
    try:
        number = parse_decimal(raw, locale=locale, strict=True)
    except NumberFormatError:
        raise MoneyError(
            _(
                "'%(text)s' is not an amount as the portal writes them (like %(example)s or 1850)",
                text=(text or "").strip(),
                example=example_amount(locale),
            )
        ) from None
    try:
        return parse_amount(number, currency, allow_zero=allow_zero)
    except MoneyError as exc:
        raise MoneyError(money_reason(exc)) from None


def show_amount(amount: Decimal, currency: str, locale: Locale | None = None) -> str:
    """An amount as the portal shows it (``USD 1,850.00`` in English, ``USD 1.850,00`` in German):
    the form :func:`read_amount` takes back."""
    locale = locale or portal_locale()
    if _writes_like_english(locale):
        return format_amount(amount, currency)  # the fast path, the same text as Babel's
    return Money(amount, currency).format(str(locale))


@lru_cache(maxsize=32)
def _writes_like_english(locale: Locale) -> bool:
    """Whether ``locale`` groups digits with "," and marks decimals with "." (asked once a locale:
    Babel's look-ups cost more than writing the amount)."""
    return (get_group_symbol(locale), get_decimal_symbol(locale)) == (",", ".")


def typed_amount(text: str | None, currency: str) -> str | None:
    """``text`` as a plain decimal string (``"1850.00"``) when :func:`read_amount` takes it, else as
    typed, for payloads whose own validation then names the field and the reason."""
    try:
        return str(read_amount(text, check_currency(currency), allow_zero=True))
    except MoneyError:
        return text
