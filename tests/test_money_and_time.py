"""Money is Decimal + currency end to end; times are UTC-aware in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.clock import parse_timestamp
from portal.cover.models import Cover
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.money import Money, MoneyError, check_currency, format_amount, parse_amount
from portal.orders.models import Order
from portal.orders.services import create_order
from tests.factories import TEST_ACTOR, order_payload


@pytest.mark.parametrize(
    "text, currency, expected",
    [
        ("1250", "USD", Decimal("1250.00")),
        ("0.5", "EUR", Decimal("0.50")),
        (" 99.99 ", "CNY", Decimal("99.99")),
        ("1500", "JPY", Decimal("1500")),
    ],
)
def test_parse_amount(text, currency, expected):
    amount = parse_amount(text, currency)
    assert amount == expected and str(amount) == str(expected)


@pytest.mark.parametrize(
    "text, currency, message",
    [
        (12.5, "USD", "decimal string, not a floating-point"),
        ("-1", "USD", "must not be negative"),
        ("0", "USD", "more than zero"),
        ("1.234", "USD", "more than 2 decimal places for USD"),
        ("10.5", "JPY", "more than 0 decimal places for JPY"),
        ("abc", "USD", "not a decimal number"),
        ("NaN", "USD", "not a finite amount"),
        ("", "USD", "is required"),
    ],
)
def test_parse_amount_refuses(text, currency, message):
    with pytest.raises(MoneyError, match=message):
        parse_amount(text, currency)


def test_currencies_are_iso_4217_with_at_most_two_decimals():
    assert check_currency("usd") == "USD"
    with pytest.raises(MoneyError, match="not an ISO-4217"):
        check_currency("XXQ")
    with pytest.raises(MoneyError, match="KWD uses 3 decimal places"):
        check_currency("KWD")


def test_money_never_mixes_currencies_or_floats():
    with pytest.raises(MoneyError, match="cannot combine USD with EUR"):
        Money(Decimal("1"), "USD") + Money(Decimal("1"), "EUR")
    with pytest.raises(TypeError):
        Money(1.5, "USD")
    assert Money(Decimal("1.10"), "USD") + Money(Decimal("2.20"), "USD") == Money(Decimal("3.30"), "USD")
    assert Money(Decimal("100.00"), "USD").scaled(Decimal("0.0135")) == Money(Decimal("1.35"), "USD")
    assert Money(Decimal("0.125"), "USD").scaled(Decimal(1)).amount == Decimal("0.13")  # half-up


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=4),
    currency=st.sampled_from(["USD", "EUR", "CNY", "JPY", "KRW", "GBP"]),
)
def test_amounts_are_written_as_babel_writes_them(amount, currency):
    """Pages format amounts directly (Babel cost a fifth of a queue page); the text is Babel's."""
    babel = format_currency(amount, currency, format="¤¤\u00a0#,##0.00", locale="en", currency_digits=True)
    assert format_amount(amount, currency) == babel
    assert format_amount(Decimal("-0"), "USD") == "-USD\u00a00.00" and Money(Decimal("1850"), "USD").format() == (
        "USD\u00a01,850.00"
    )


def test_amounts_and_times_round_trip_through_the_database(app, plugins):
    create_order(
        plugins,
        order_payload(
            declared_value="9999999999.99", cover={"insurer": "jadeharbour", "insured_value": "4321.07"}, currency="EUR"
        ),
        TEST_ACTOR,
        "api",
    )
    db.session.commit()
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert order.declared_value == Decimal("9999999999.99") and isinstance(order.declared_value, Decimal)
    cover = db.session.scalar(select(Cover))
    assert cover.insured_value == Decimal("4321.07")
    assert isinstance(cover.premium, Decimal) and cover.premium.as_tuple().exponent == -2
    assert order.created_at.tzinfo is not None and order.created_at.utcoffset() == timedelta(0)


def test_amounts_sort_numerically_in_sql(app, plugins):
    for number, value in (("A-1", "900.00"), ("A-2", "1000.00"), ("A-3", "99.50")):
        create_order(
            plugins,
            order_payload(
                order_no=number, declared_value=value, cover=None, tracking_no=f"4PX300000000000{number[-1]}CN"
            ),
            TEST_ACTOR,
            "api",
        )
    db.session.commit()
    ordered = db.session.scalars(select(Order.order_no).order_by(Order.declared_value)).all()
    assert ordered == ["A-3", "A-1", "A-2"]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)


def test_timestamps_without_offset_are_warehouse_local_time(app):
    assert parse_timestamp("2026-11-24T08:00:00") == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert parse_timestamp("2026-11-24T08:00:00Z") == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an ISO-8601"):
        parse_timestamp("yesterday")


def test_seasons_may_wrap_over_the_new_year():
    from datetime import date

    from portal.plugin_api import Season

    peak = Season((11, 15), (1, 15))
    assert date(2026, 11, 15) in peak and date(2027, 1, 15) in peak and date(2026, 12, 31) in peak
    assert date(2026, 11, 14) not in peak and date(2027, 1, 16) not in peak
    summer = Season((6, 1), (8, 31))
    assert date(2026, 7, 4) in summer and date(2026, 9, 1) not in summer
