"""The ``coverdesk`` command line, run against the test's app and database.

``runner.invoke(args=[...])`` looks commands up in ``app.cli``, which holds Flask's own commands
only: the desk's commands live on the ``cli`` FlaskGroup of ``portal.cli``. So the group is
invoked, and the runner hands it a ScriptInfo that loads the fixture's app instead of building
one; as that app's context is already pushed, ``with_appcontext`` uses it (see
``test_commands_run_in_the_fixtures_app``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import ApiToken, User
from portal.cli import cli
from portal.extensions import db
from portal.orders.importer import COLUMNS
from portal.orders.models import Order
from tests.factories import GBK_LEAD_BYTE, PASSWORD, csv_row, csv_text, gbk_file


@pytest.fixture
def invoke(runner, monkeypatch):
    # FlaskGroup sets FLASK_RUN_FROM_CLI=true in os.environ; monkeypatch removes it after the test.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")

    def run(*args: str):
        return runner.invoke(cli, list(args))

    return run


def test_commands_run_in_the_fixtures_app(app, runner, invoke):
    assert "No such command" in runner.invoke(args=["users", "list"]).output  # app.cli lacks them

    result = invoke("users", "create", "sup.one", "--role", "supervisor", "--password", PASSWORD)

    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "sup.one")) == "supervisor"


# --- users ---------------------------------------------------------------------------------------


def test_users_create_makes_an_account_that_can_log_in(invoke, auth, client):
    result = invoke(
        "users", "create", "Sup.One", "--role", "supervisor", "--name", "Su Pervisor", "--password", PASSWORD
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "created supervisor sup.one\n"
    user = db.session.scalar(select(User).where(User.username == "sup.one"))
    assert (user.full_name, user.role, user.active) == ("Su Pervisor", "supervisor", True)
    auth.login("sup.one")  # asserts the redirect of a successful login
    assert client.get("/orders/").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert (event.actor_kind, event.entity_id) == ("cli", str(user.id))
    assert event.actor_label.endswith("(command line)")


def test_users_create_defaults_to_agent(invoke):
    assert invoke("users", "create", "agent.two", "--password", PASSWORD).stdout == "created agent agent.two\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["sup.one", "--password", "short"], "Error: password: at least 12 characters", id="short-password"
        ),
        pytest.param(
            ["sup one", "--password", PASSWORD],
            "Error: username: letters, digits, '.', '_' and '-' only",
            id="bad-username",
        ),
    ],
)
def test_users_create_refuses_bad_input(invoke, args, message):
    result = invoke("users", "create", *args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert db.session.scalars(select(User)).all() == []


def test_users_create_refuses_an_unknown_role(invoke):
    result = invoke("users", "create", "boss", "--role", "owner", "--password", PASSWORD)

    assert result.exit_code == 2  # click's usage error
    assert "'owner' is not one of 'agent', 'supervisor', 'admin'" in result.stderr
    assert db.session.scalars(select(User)).all() == []


def test_users_create_refuses_a_duplicate_username(invoke):
    assert invoke("users", "create", "sup.one", "--password", PASSWORD).exit_code == 0

    result = invoke("users", "create", "SUP.ONE", "--role", "admin", "--password", PASSWORD + "!")

    assert result.exit_code == 1
    assert result.stderr == "Error: username: 'sup.one' already exists\n"
    assert db.session.scalars(select(User.role)).all() == ["agent"]


def test_users_list(invoke):
    invoke("users", "create", "sup.one", "--role", "supervisor", "--name", "Su Pervisor", "--password", PASSWORD)
    invoke("users", "create", "agent.two", "--password", PASSWORD)

    lines = invoke("users", "list").stdout.splitlines()

    assert [line.split()[:3] for line in lines] == [
        ["agent.two", "agent", "active"],
        ["sup.one", "supervisor", "active"],
    ]
    assert lines[1].endswith("Su Pervisor")


# --- tokens -------------------------------------------------------------------------------------


def create_token(invoke, name: str) -> str:
    result = invoke("tokens", "create", name)
    assert result.exit_code == 0, result.output
    intro, secret = result.stdout.splitlines()
    assert intro == f"token for {name} (shown only now; send it as 'Authorization: Bearer <token>'):"
    return secret


def test_token_created_on_the_command_line_opens_the_api(invoke, client):
    secret = create_token(invoke, "shop-sync")

    response = client.get("/api/v1/carriers", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "shop-sync"))
    assert secret.startswith("cdk_") and token.prefix == secret[:10]
    assert secret not in (token.token_sha256, token.prefix)  # only the hash is kept
    assert token.last_used_at is not None


def test_revoked_token_is_refused_by_the_api(invoke, client):
    secret = create_token(invoke, "shop-sync")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/insurers", headers=headers).status_code == 200

    result = invoke("tokens", "revoke", "shop-sync")

    assert (result.exit_code, result.stdout) == (0, "revoked shop-sync\n")
    assert client.get("/api/v1/insurers", headers=headers).status_code == 401
    assert "revoked" in invoke("tokens", "list").stdout


def test_token_names_are_unique_and_revoke_needs_a_known_name(invoke):
    create_token(invoke, "shop-sync")

    duplicate = invoke("tokens", "create", "shop-sync")
    unknown = invoke("tokens", "revoke", "nope")

    assert (duplicate.exit_code, duplicate.stderr) == (1, "Error: name: a token named 'shop-sync' already exists\n")
    assert (unknown.exit_code, unknown.stderr) == (1, "Error: name: no token named 'nope'\n")
    assert len(db.session.scalars(select(ApiToken)).all()) == 1


# --- orders import ------------------------------------------------------------------------------


@pytest.fixture
def csv_file(tmp_path):
    def write(content: str | bytes, name: str = "orders.csv"):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    return write


def test_orders_import_prints_the_summary_and_exits_0(invoke, csv_file):
    path = csv_file(csv_text(csv_row(1), csv_row(2, cover_insurer="", cover_insured_value="")))

    result = invoke("orders", "import", path, "--quiet")

    assert result.exit_code == 0, result.output
    assert result.stdout == "2 orders created (1 with cover), 0 already present, 0 problems\n"
    assert sorted(db.session.scalars(select(Order.order_no))) == ["CSV-0001", "CSV-0002"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "order.created"))
    assert event.actor_kind == "cli"


def test_orders_import_lists_problems_by_line_and_exits_1(invoke, csv_file):
    path = csv_file(csv_text(csv_row(1), csv_row(2, seller_email="nope"), csv_row(3, destination_country="BR")))

    result = invoke("orders", "import", path, "--quiet")

    assert result.exit_code == 1
    summary, *problems = result.stdout.splitlines()
    assert summary == "1 orders created (1 with cover), 0 already present, 2 problems"
    assert problems[0].startswith("line 3 (order CSV-0002): seller_email: ")
    assert problems[1] == (
        "line 4 (order CSV-0003): destination_country: Lanternfish Mutual does not cover parcels to BR"
    )
    assert list(db.session.scalars(select(Order.order_no))) == ["CSV-0001"]


def test_orders_import_again_reports_already_present(invoke, csv_file):
    path = csv_file("\ufeff" + csv_text(csv_row(1), csv_row(2)))  # with the byte order mark Excel writes
    assert invoke("orders", "import", path, "--quiet").exit_code == 0

    result = invoke("orders", "import", path, "--quiet")

    assert (result.exit_code, result.stdout) == (0, "0 orders created (0 with cover), 2 already present, 0 problems\n")
    assert len(db.session.scalars(select(Order)).unique().all()) == 2


def test_orders_import_progress_goes_to_stderr(invoke, csv_file):
    path = csv_file(csv_text(*(csv_row(n) for n in range(1, 6))))

    result = invoke("orders", "import", path)

    assert result.exit_code == 0
    assert result.stdout == "5 orders created (5 with cover), 0 already present, 0 problems\n"
    assert "importing" in result.stderr and "5/5" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(gbk_file(), "the file is not UTF-8 text (invalid start byte at byte {})", id="not-utf8"),
        pytest.param(
            csv_text(csv_row(1), columns=[c for c in COLUMNS if c != "tracking_no"]),
            "line 1: missing column(s) tracking_no",
            id="missing-column",
        ),
        pytest.param(
            csv_text(csv_row(1), columns=[*COLUMNS, "notes"]),
            "line 1: unknown column(s) notes; expected",
            id="unknown-column",
        ),
    ],
)
def test_orders_import_refuses_a_bad_file(invoke, csv_file, content, message):
    path = csv_file(content)
    offset = content.find(GBK_LEAD_BYTE) if isinstance(content, bytes) else -1

    result = invoke("orders", "import", path, "--quiet")

    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: {message.format(offset)}")
    assert result.stdout == ""
    assert db.session.scalars(select(Order)).unique().all() == []


def test_orders_import_of_a_missing_file_is_a_usage_error(invoke, tmp_path):
    result = invoke("orders", "import", str(tmp_path / "nope.csv"))

    assert result.exit_code == 2
    assert "does not exist" in result.stderr
