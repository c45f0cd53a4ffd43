"""Working-day calendars entered by an admin: a payout due date pending on an unknown year is
worked out once the year's official calendar is entered (in the browser or as a CSV file)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.calendars import CalendarUnknown, working_days_after
from portal.calendars import services as calendars
from portal.calendars.models import WorkingCalendar, WorkingCalendarDay
from portal.claims import services as claims
from portal.extensions import db
from tests.factories import TEST_ACTOR, csrf_from, ready_inquiry

NOW = datetime(2030, 12, 30, 3, 0, tzinfo=UTC)
NOTICE_2030 = "State Council notice on the 2030 holiday arrangements (as published)"
NOTICE_2031 = "State Council notice on the 2031 holiday arrangements (as published)"
#: 2031's New Year: 1–3 January off, Saturday 4 January worked instead.
CSV_2031 = b"date,kind,name\n2031-01-01..2031-01-03,holiday,New Year's Day\n2031-01-04,workday,New Year make-up day\n"


def accepted_into_an_unknown_year(plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins, insurer="jadeharbour"), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    claims.accept(plugins, claim, reference="JH-77", accepted_on=date(2030, 12, 30), actor=TEST_ACTOR)
    db.session.commit()
    return claim


def test_a_pending_due_date_is_shown_and_worked_out_once_the_admin_enters_the_years(plugins, auth, client):
    claim = accepted_into_an_unknown_year(plugins)
    auth.login("admin.one", "admin")
    page = client.get(f"/claims/{claim.number}").get_data(as_text=True)
    assert 'id="payout-due-pending"' in page and "does not know 2030 yet" in page
    assert "pending: calendar not known" in client.get("/claims/sla").get_data(as_text=True)

    # 2030 typed in the browser: the acceptance's next day is known, the two after it are still in 2031.
    form = client.get("/admin/calendars")
    assert form.status_code == 200 and '<option value="CN">' in form.get_data(as_text=True)
    response = client.post(
        "/admin/calendars",
        data={
            "csrf_token": csrf_from(form.get_data(as_text=True)),
            "calendar": "CN",
            "year": "2030",
            "source": NOTICE_2030,
            "holidays": "2030-01-01 New Year's Day\n2030-02-02..2030-02-08 Spring Festival\n",
            "workdays": "2030-01-26 Spring Festival make-up day\n",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert claim.payout_due_on is None and "does not know 2031 yet" in claim.payout_due_pending

    # 2031 as a CSV file: the due date is worked out with it, and audited.
    import io

    response = client.post(
        "/admin/calendars",
        data={
            "csrf_token": csrf_from(client.get("/admin/calendars").get_data(as_text=True)),
            "calendar": "CN",
            "year": "2031",
            "source": NOTICE_2031,
            "file": (io.BytesIO(CSV_2031), "cn-2031.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    # 31 Dec (Tue) is the first working day, 1–3 Jan are off, Saturday 4 Jan is worked, Monday 6 Jan the third.
    assert claim.payout_due_on == date(2031, 1, 6) and claim.payout_due_pending is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.payout_due"))
    assert event.actor_label == "admin.one" and "2031-01-06" in event.summary
    listed = client.get("/admin/calendars").get_data(as_text=True)
    assert 'id="calendar-CN-2031"' in listed and NOTICE_2031 in listed and "2031-01-04" in listed
    assert "2031-01-06" in client.get(f"/claims/{claim.number}").get_data(as_text=True)


def test_an_entered_year_takes_precedence_over_the_library(app):
    assert working_days_after(date(2026, 6, 1), 1, "CN") == date(2026, 6, 2)  # the library's 2026
    days = calendars.parse_lines("2026-06-02 A day the notice gives off", "holiday", "holidays")
    calendars.enter_year("CN", 2026, "a corrected notice", days, TEST_ACTOR, NOW)
    db.session.commit()
    assert working_days_after(date(2026, 6, 1), 1, "CN") == date(2026, 6, 3)
    with pytest.raises(CalendarUnknown, match="does not know 2030 yet"):
        working_days_after(date(2030, 6, 1), 1, "CN")


@pytest.mark.parametrize(
    ("year", "holidays", "workdays", "source", "reason"),
    [
        (2031, "2031-01-01", "", " ", "name the official notice"),
        (2031, "", "2031-01-04", NOTICE_2031, "names its holidays; none was given"),
        (2031, "2031-01-01\n2032-01-01", "", NOTICE_2031, "2032-01-01 is not in 2031"),
        (2031, "2031-01-01\n2031-01-01", "", NOTICE_2031, "2031-01-01 is given twice"),
        (2031, "2031-01-01", "2031-01-06", NOTICE_2031, "2031-01-06 is a weekday"),
        (2031, "2031-02-30", "", NOTICE_2031, "holidays line 1: '2031-02-30' is not a real date"),
        (2031, "2031-01-03..2031-01-01", "", NOTICE_2031, "holidays line 1: the range ends before it starts"),
        (2031, "1 January", "", NOTICE_2031, "holidays line 1: '1' is not a date"),
    ],
)
def test_a_calendar_that_is_not_whole_is_refused_with_the_reason(app, year, holidays, workdays, source, reason):
    with pytest.raises(calendars.CalendarRefused, match=reason):
        days = calendars.parse_lines(holidays, "holiday", "holidays")
        days += calendars.parse_lines(workdays, "workday", "make-up working days")
        calendars.enter_year("CN", year, source, days, TEST_ACTOR, NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(WorkingCalendar)) == 0
    assert db.session.scalar(select(func.count()).select_from(WorkingCalendarDay)) == 0


def test_a_bad_csv_names_its_line_and_a_year_is_entered_once(app, auth, client):
    with pytest.raises(calendars.CalendarRefused, match="cn.csv line 3: kind 'off' is neither"):
        calendars.parse_csv(b"date,kind,name\n2031-01-01,holiday,x\n2031-01-02,off,y\n", "cn.csv")
    with pytest.raises(calendars.CalendarRefused, match="missing kind"):
        calendars.parse_csv(b"date,name\n2031-01-01,x\n", "cn.csv")
    calendars.enter_year("CN", 2031, NOTICE_2031, calendars.parse_csv(CSV_2031, "cn.csv"), TEST_ACTOR, NOW)
    db.session.commit()
    auth.login("admin.one", "admin")
    response = client.post(
        "/admin/calendars",
        data={
            "csrf_token": csrf_from(client.get("/admin/calendars").get_data(as_text=True)),
            "calendar": "CN",
            "year": "2031",
            "source": "another notice",
            "holidays": "2031-01-01",
        },
    )
    assert response.status_code == 422
    assert "CN 2031 was already entered by test suite" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WorkingCalendar)) == 1
