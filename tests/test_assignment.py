"""Assignment: an agent takes a case, the queue filters "mine" and "unassigned", a supervisor
reassigns; every change audited, and a case taken once cannot be taken from under its agent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.queue import assignment
from portal.queue.models import QueueItem
from tests.factories import TEST_ACTOR, csrf_from


def _numbers(client, **params) -> list[str]:
    html = client.get("/queue", query_string=params).get_data(as_text=True)
    rows = html[html.index('<div id="queue-rows">') :]
    return [part.split('"', 1)[0] for part in rows.split('href="/inquiries/')[1:]]


def _post(client, path, **data):
    token = csrf_from(client.get("/queue").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


def test_take_filter_and_reassign_through_the_pages(auth, client, claim):
    inquiry = claim.inquiry
    auth.login("li.na", "agent")
    assert _numbers(client, assigned="unassigned") == [inquiry.number]
    assert _numbers(client, assigned="mine") == []
    response = _post(client, f"/queue/cases/{inquiry.number}/take")
    assert response.status_code == 303
    assert _numbers(client, assigned="mine") == [inquiry.number]
    assert _numbers(client, assigned="unassigned") == []
    assert "li.na" in client.get("/queue").get_data(as_text=True)
    # Another agent cannot take it from under li.na, nor reassign it.
    client.post("/logout", data={"csrf_token": auth.csrf("/queue")})
    auth.login("zhou.min", "agent")
    _post(client, f"/queue/cases/{inquiry.number}/take")
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert "li.na has taken" in page and "a supervisor reassigns it" in page
    assert _post(client, f"/queue/cases/{inquiry.number}/assign", assignee="zhou.min").status_code == 403
    assert _numbers(client, assigned="mine") == []
    # A supervisor reassigns from the inquiry page.
    client.post("/logout", data={"csrf_token": auth.csrf("/queue")})
    auth.login("chen.wei", "supervisor")
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert "Assigned to <strong" in page and 'name="assignee"' in page
    response = _post(client, f"/queue/cases/{inquiry.number}/assign", assignee="zhou.min", back="inquiry")
    assert response.headers["Location"].endswith(f"/inquiries/{inquiry.number}")
    db.session.expire_all()
    assert inquiry.assignee_id == _user("zhou.min").id
    item = db.session.scalar(select(QueueItem).where(QueueItem.inquiry_id == inquiry.id, QueueItem.kind == "inquiry"))
    assert item.assignee_id == _user("zhou.min").id
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "inquiry", AuditEvent.action.in_(("inquiry.taken", "inquiry.reassigned")))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.before, e.after) for e in events] == [
        ("inquiry.taken", {"assignee": None}, {"assignee": "li.na"}),
        ("inquiry.reassigned", {"assignee": "li.na"}, {"assignee": "zhou.min"}),
    ]
    assert events[1].actor_label == "chen.wei"


def test_the_service_refuses_what_the_rules_do_not_allow(claim, make_user):
    inquiry = claim.inquiry
    make_user("ops.admin", "admin")
    with pytest.raises(assignment.AssignmentRefused, match="only a supervisor"):
        assignment.reassign(inquiry, "li.na", TEST_ACTOR, by_supervisor=False)
    with pytest.raises(assignment.AssignmentRefused, match="'nobody' is not an active agent or supervisor"):
        assignment.reassign(inquiry, "nobody", TEST_ACTOR, by_supervisor=True)
    with pytest.raises(assignment.AssignmentRefused, match="'ops.admin' is not an active agent or supervisor"):
        assignment.reassign(inquiry, "ops.admin", TEST_ACTOR, by_supervisor=True)
    assignment.take(inquiry, _user("li.na"), TEST_ACTOR)
    assignment.take(inquiry, _user("li.na"), TEST_ACTOR)  # taking one's own case again changes nothing
    assignment.reassign(inquiry, "", TEST_ACTOR, by_supervisor=True)  # back to no one
    db.session.commit()
    assert inquiry.assignee_id is None
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("inquiry.%assigned"))).all()) == 1
    inquiry.state = "closed"
    with pytest.raises(assignment.AssignmentRefused, match="is closed"):
        assignment.take(inquiry, _user("li.na"), TEST_ACTOR)


def test_two_agents_taking_the_same_case_at_once_one_gets_it(app, claim, make_user):
    import threading

    make_user("zhou.min", "agent")
    inquiry_id = claim.inquiry_id
    names = ["li.na", "zhou.min"]
    barrier, results = threading.Barrier(2), [None, None]

    def run(index):
        from portal.inquiries.models import Inquiry

        with app.app_context():
            barrier.wait()
            try:
                assignment.take(db.session.get(Inquiry, inquiry_id), _user(names[index]), TEST_ACTOR)
                db.session.commit()
                results[index] = True
            except assignment.AssignmentRefused as exc:
                db.session.rollback()
                results[index] = exc
            except Exception as exc:  # noqa: BLE001 - a lock timeout on SQLite counts as not taken
                db.session.rollback()
                results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is True for result in results) == 1, results
    db.session.expire_all()
    from portal.inquiries.models import Inquiry

    winner = names[results.index(True)]
    assert db.session.get(Inquiry, inquiry_id).assignee_id == _user(winner).id
