"""Health answers and the request log, on both databases: /healthz needs nothing but the process,
/readyz checks each dependency for real and names what fails, every request is one log line with
its id, duration and user, and a traceback goes to the log, never to the user."""

from __future__ import annotations

import logging
import re

from portal.auth.access import ACCESS, PUBLIC
from portal.cli import cli


def test_healthz_answers_from_the_process_alone(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_checks_every_dependency(client, backend, plugins):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "job_queue", "evidence_store", "pdf_subsetter", "plugins"}
    assert body["checks"]["database"]["detail"] == backend
    assert body["checks"]["job_queue"]["detail"].startswith("sqlite, 0 waiting")
    expected = f"{len(plugins.carriers)} carriers, {len(plugins.insurers)} insurers"
    assert plugins.carriers and body["checks"]["plugins"]["detail"] == expected


def test_readyz_names_what_is_not_ready_and_checks_the_rest(app, client, tmp_path):
    blocker = tmp_path / "evidence-is-a-file"
    blocker.write_text("not a folder")
    app.config["EVIDENCE_DIR"] = str(blocker / "store")
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "not ready"
    assert body["checks"]["evidence_store"]["ok"] is False
    assert "evidence-is-a-file" in body["checks"]["evidence_store"]["detail"]
    assert all(body["checks"][name]["ok"] for name in ("database", "job_queue", "pdf_subsetter", "plugins"))


def test_the_command_line_check(app, runner, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")  # see tests/test_cli.py

    def invoke(*args):
        return runner.invoke(cli, list(args))

    result = invoke("health", "check")
    assert result.exit_code == 0, result.output
    assert re.search(r"^ok +database ", result.output, re.M)
    app.config["EVIDENCE_DIR"] = str(tmp_path / "x.txt" / "store")
    (tmp_path / "x.txt").write_text("")
    result = invoke("health", "check")
    assert result.exit_code == 1 and re.search(r"^FAILED +evidence_store ", result.output, re.M)


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "coverdesk.requests"]


def test_one_log_line_per_request_with_its_id_duration_and_user(auth, client, caplog):
    caplog.set_level(logging.INFO, logger="coverdesk.requests")
    auth.login("li.na", "agent")
    caplog.clear()
    response = client.get("/queue")
    (line,) = _request_lines(caplog)
    assert line.request_id == response.headers["X-Request-ID"]
    assert re.fullmatch(r"GET /queue 200 \d+\.\dms user=li\.na", line.getMessage())
    # A proxy's request id is kept, so the two logs join; anything unlike an id is replaced.
    caplog.clear()
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-4f2a9c1e"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "x" * 65 + " <script>"})
    assert kept.headers["X-Request-ID"] == "proxy-4f2a9c1e"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    assert [r.request_id for r in _request_lines(caplog)] == ["proxy-4f2a9c1e", replaced.headers["X-Request-ID"]]


def test_a_server_error_goes_to_the_log_with_its_traceback_never_to_the_user(app, auth, client, caplog, monkeypatch):
    def broken():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production (TESTING propagates them)
    monkeypatch.setitem(ACCESS, "broken_for_test", PUBLIC)
    caplog.set_level(logging.INFO)
    response = client.get("/broken-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in page and "Traceback" not in page
    request_id = response.headers["X-Request-ID"]
    assert request_id in page  # the reference staff can quote
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.exc_info is not None and "secret internal detail" in caplog.text
    assert [r.request_id for r in _request_lines(caplog)] == [request_id]
    assert _request_lines(caplog)[0].getMessage().startswith("GET /broken-for-test 500 ")
