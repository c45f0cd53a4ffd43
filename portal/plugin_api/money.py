"""Money: a ``Decimal`` amount with an ISO-4217 currency. Never a float.

Amounts in different currencies are never added: ``Money.__add__`` refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import pycountry
from babel.numbers import format_currency, get_currency_precision


class MoneyError(ValueError):
    """An amount or currency that cannot be used; the message says why."""


#: ISO-4217 codes that are not money anyone is paid in, with the reason a refusal gives.
NON_TENDER = {
    "XXX": "the code for 'no currency'",
    "XTS": "reserved for testing",
    "XAU": "gold, a precious metal",
    "XAG": "silver, a precious metal",
    "XPT": "platinum, a precious metal",
    "XPD": "palladium, a precious metal",
    "XDR": "the IMF's special drawing right, a unit of account",
    "XSU": "the SUCRE, a unit of account",
    "XUA": "the ADB unit of account",
    "XBA": "a bond-market unit",
    "XBB": "a bond-market unit",
    "XBC": "a bond-market unit",
    "XBD": "a bond-market unit",
    **dict.fromkeys(("BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"), "a fund code, not a currency"),
}


@lru_cache(maxsize=256)
def _currency_error(code: str) -> str | None:
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        return f"{code or '(empty)'} is not an ISO-4217 currency code"
    if code in NON_TENDER:
        return f"{code} is {NON_TENDER[code]}: not a currency that orders and payouts can be in"
    if get_currency_precision(code) > 2:
        # Amounts are stored as NUMERIC(14, 2); a three-decimal currency would lose its last digit.
        return f"{code} uses {get_currency_precision(code)} decimal places; Coverdesk keeps 2"
    return None


def check_currency(code: str) -> str:
    """Return the upper-case ISO-4217 code, or raise ``MoneyError``."""
    code = (code or "").strip().upper()
    problem = _currency_error(code)
    if problem:
        raise MoneyError(problem)
    return code


@lru_cache(maxsize=256)
def minor_digits(currency: str) -> int:
    """Decimal places the currency uses (2 for USD, 0 for JPY)."""
    return get_currency_precision(currency)


def parse_amount(text: str | Decimal | int, currency: str, *, allow_zero: bool = False) -> Decimal:
    """Parse a decimal string such as ``"1250.00"`` for ``currency``.

    Refuses floats, negative amounts, zero (unless allowed) and more decimal places than the
    currency has; the message says which.
    """
    if isinstance(text, float):
        raise MoneyError("must be a decimal string, not a floating-point number")
    raw = str(text).strip()
    if not raw:
        raise MoneyError("is required")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise MoneyError(f"{raw!r} is not a decimal number") from None
    if not amount.is_finite():
        raise MoneyError(f"{raw!r} is not a finite amount")
    if amount < 0:
        raise MoneyError("must not be negative")
    if amount == 0 and not allow_zero:
        raise MoneyError("must be more than zero")
    digits = minor_digits(currency)
    if -amount.as_tuple().exponent > digits:
        raise MoneyError(f"has more than {digits} decimal places for {currency}")
    if amount >= Decimal("1e12"):
        raise MoneyError("is too large")
    return quantize(amount, currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (premiums are computed, so they need rounding)."""
    exponent = Decimal(1).scaleb(-minor_digits(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal, currency: str) -> str:
    """What Babel's ``¤¤ #,##0.00`` pattern gives in English (``USD 1,850.00``, ``JPY 1,850``,
    ``-USD 5.00``), written directly: Babel took ~0.2 ms per amount, a fifth of a queue page.
    A test holds the two to the same text."""
    digits = minor_digits(currency)
    text = f"{currency}\u00a0{abs(amount).quantize(_STEPS[digits], rounding=ROUND_HALF_EVEN):,.{digits}f}"
    return "-" + text if amount.is_signed() else text


_STEPS = {digits: Decimal(1).scaleb(-digits) for digits in range(5)}


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency: never a float, never added to another currency."""

    amount: Decimal  # in the currency's units (USD 12.50 is Decimal("12.50"))
    currency: str  # ISO 4217, upper case

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal, not {type(self.amount).__name__}")

    @classmethod
    def of(cls, amount: str | Decimal | int, currency: str) -> Money:
        """``Money.of("12.5", "USD")``: from text or a number, rounded to the currency's minor unit."""
        currency = check_currency(currency)
        return cls(quantize(Decimal(str(amount)), currency), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def scaled(self, factor: Decimal) -> Money:
        """This amount times ``factor``, rounded to the currency's minor unit."""
        return Money(quantize(self.amount * factor, self.currency), self.currency)

    def as_json(self) -> dict:
        """``{"amount": "12.50", "currency": "USD"}``, as the API writes amounts."""
        return {"amount": str(self.amount), "currency": self.currency}

    def format(self, locale: str = "en") -> str:
        """``USD 1,850.00``: the ISO code, never a bare "$", on a desk that sees many dollars."""
        if locale == "en":
            return format_amount(self.amount, self.currency)
        return format_currency(
            self.amount, self.currency, format="¤¤\u00a0#,##0.00", locale=locale, currency_digits=True
        )

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
