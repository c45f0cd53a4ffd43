"""``coverdesk plugins new``: a carrier or insurer plugin that loads and passes its own tests before
anyone edits it, in the plugins folder or as its own distribution (``coverdesk-CODE``).

The files are templates with ``$code``, ``$name``, ``$class_name``, ``$package``, ``$contract``
placeholders (``string.Template``, so the Python and JSON braces need no escaping). Nothing is
ever overwritten: an existing target folder is refused.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from string import Template

from .plugin_api import CODE_PATTERN, CONTRACT_VERSION


class ScaffoldError(ValueError):
    """The plugin cannot be written; the message says why."""


@dataclass(frozen=True)
class Written:
    root: Path
    files: list[Path]


CARRIER_INIT = '''"""$name: a carrier plugin for Coverdesk (written by ``coverdesk plugins new``)."""

from portal.plugin_api import hookimpl

from .carrier import $class_name


@hookimpl
def coverdesk_carriers():
    return [$class_name()]
'''

CARRIER = '''"""$name's rules. Replace the example values with the carrier's published terms and name them in
``source``; keep the fixtures in ``fixtures/`` in step with the parser."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.plugin_api import (
    CarrierPlugin,
    FeedProblem,
    LossLetterFormat,
    LossLetterReading,
    Money,
    RawTrackingEvent,
    Service,
    TraceWindow,
    TrackingFeed,
)


class $class_name(CarrierPlugin):
    contract = "$contract"
    code = "$code"
    name = "$name"
    kind = "express"  # postal, express or dedicated_line
    services = (Service("standard", "Standard", "Door to door"),)
    source = "Example values written by the scaffold; replace with the carrier's published terms."
    #: The carrier's raw codes -> (status, reason); a code missing here stays unmapped.
    status_map = {
        "PU": ("info_received", None),
        "IT": ("in_transit", None),
        "OD": ("out_for_delivery", None),
        "DL": ("delivered", None),
        "LS": ("exception", "lost"),
        "DM": ("exception", "damaged"),
    }
    loss_letter_format = LossLetterFormat(
        reference_pattern=r"${upper}-\\d{6}",
        reference_example="${upper}-000123",
        description="One page; 'Case: <reference>', 'Tracking: <number>', 'Outcome: lost|damaged', "
        "'Date: YYYY-MM-DD' and 'Liability: <currency> <amount>' lines.",
    )

    def tracking_url(self, tracking_no: str) -> str:
        return f"https://tracking.example/$code/{tracking_no}"

    def stall_after_days(self, service_code: str, destination_country: str, on: date) -> int:
        return 7

    def trace_window(self, service_code: str, destination_country: str) -> TraceWindow:
        return TraceWindow(7, 60)

    def parse_tracking(self, content: bytes) -> TrackingFeed:
        """The carrier's JSON feed: ``{"events": [{"tracking_no", "time" (ISO 8601 with offset),
        "code", "text", "location"}]}``. A bad record becomes a problem naming it; never raises."""
        try:
            records = json.loads(content.decode("utf-8"))["events"]
            if not isinstance(records, list):
                raise TypeError("events is not a list")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
            return TrackingFeed((), (FeedProblem("file", f"not a {self.name} tracking feed: {exc}"),))
        events, problems = [], []
        for number, record in enumerate(records, start=1):
            try:
                moment = datetime.fromisoformat(record["time"])
                if moment.utcoffset() is None:
                    raise ValueError("the time has no UTC offset")
                events.append(
                    RawTrackingEvent(
                        tracking_no=str(record["tracking_no"]),
                        occurred_at=moment,
                        code=str(record["code"]),
                        description=str(record.get("text", "")),
                        location=str(record.get("location", "")),
                    )
                )
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(FeedProblem(f"event {number}", f"{type(exc).__name__}: {exc}"))
        return TrackingFeed(tuple(events), tuple(problems))

    def read_loss_letter(self, text: str) -> LossLetterReading:
        """The fields of the letter's lines; a field not found is None and named in ``missing``."""

        def line(label: str) -> str | None:
            found = re.search(rf"^\\s*{label}\\s*:\\s*(.+?)\\s*$$", text, re.MULTILINE | re.IGNORECASE)
            return found.group(1) if found else None

        found_on = liability = None
        with contextlib.suppress(ValueError):
            found_on = date.fromisoformat(line("Date") or "")
        amount = re.fullmatch(r"([A-Z]{3})\\s+([0-9]+(?:\\.[0-9]{1,2})?)", line("Liability") or "")
        if amount:
            try:
                liability = Money(Decimal(amount.group(2)), amount.group(1))
            except (InvalidOperation, ValueError):
                liability = None
        outcome_text = line("Outcome") or ""
        outcome = outcome_text.lower() if outcome_text.lower() in ("lost", "damaged", "delivered", "returned") else None
        reading = {
            "case_reference": line("Case"),
            "tracking_no": line("Tracking"),
            "outcome": outcome,
            "found_on": found_on,
            "liability": liability,
        }
        missing = tuple(name for name, value in reading.items() if value is None)
        return LossLetterReading(outcome_text=outcome_text, missing=missing, **reading)
'''

CARRIER_FIXTURE = {
    "events": [
        {
            "tracking_no": "${upper}0000001",
            "time": "2026-11-02T08:00:00+08:00",
            "code": "PU",
            "text": "Picked up",
            "location": "Shenzhen",
        },
        {
            "tracking_no": "${upper}0000001",
            "time": "2026-11-03T10:30:00+08:00",
            "code": "IT",
            "text": "In transit",
            "location": "Hong Kong",
        },
        {
            "tracking_no": "${upper}0000001",
            "time": "2026-11-09T09:00:00+00:00",
            "code": "ZZ",
            "text": "Unknown code",
            "location": "Leipzig",
        },
        {
            "tracking_no": "${upper}0000001",
            "time": "not a time",
            "code": "DL",
            "text": "Delivered",
            "location": "Berlin",
        },
    ]
}

CARRIER_EXPECTED = {
    "events": [
        {
            "tracking_no": "${upper}0000001",
            "occurred_at": "2026-11-02T00:00:00+00:00",
            "code": "PU",
            "status": "info_received",
            "reason": None,
            "location": "Shenzhen",
            "handover": None,
        },
        {
            "tracking_no": "${upper}0000001",
            "occurred_at": "2026-11-03T02:30:00+00:00",
            "code": "IT",
            "status": "in_transit",
            "reason": None,
            "location": "Hong Kong",
            "handover": None,
        },
        {
            "tracking_no": "${upper}0000001",
            "occurred_at": "2026-11-09T09:00:00+00:00",
            "code": "ZZ",
            "status": None,
            "reason": None,
            "location": "Leipzig",
            "handover": None,
        },
    ],
    "problems": [{"record": "event 4", "reason": "ValueError: Invalid isoformat string: 'not a time'"}],
}

CARRIER_TESTS = '''"""$name: the contract kit, and each raw fixture against its expected normalised result."""

import json

import pytest
from $plugin_ref import PLUGIN, PLUGIN_FOLDER

from portal.plugin_testing import ContractKit, feed_as_expected, load_plugin, tracking_fixtures


class TestContract(ContractKit):
    plugin = PLUGIN


@pytest.fixture(scope="module")
def carrier():
    return load_plugin(PLUGIN).carriers[0]


@pytest.mark.parametrize("raw, expected", tracking_fixtures(PLUGIN_FOLDER), ids=lambda p: p.name)
def test_fixture_parses_to_its_expected_result(carrier, raw, expected):
    feed = carrier.parse_tracking(raw.read_bytes())
    assert feed_as_expected(carrier, feed) == json.loads(expected.read_text("utf-8"))


def test_a_letter_is_read_line_by_line(carrier):
    reading = carrier.read_loss_letter(
        "Case: ${upper}-000123\\nTracking: ${upper}0000001\\nOutcome: Lost\\nDate: 2026-11-20\\nLiability: USD 50.00\\n"
    )
    assert (reading.case_reference, reading.outcome, str(reading.found_on)) == ("${upper}-000123", "lost", "2026-11-20")
    assert reading.missing == ()
'''

INSURER_INIT = '''"""$name: an insurer plugin for Coverdesk (written by ``coverdesk plugins new``)."""

from portal.plugin_api import hookimpl

from .insurer import $class_name


@hookimpl
def coverdesk_insurers():
    return [$class_name()]
'''

INSURER = '''"""$name's rules. Replace the example terms with the insurer's published ones and name them in
``source``; a new version of the terms is a new ``InsurerTerms`` with its effective date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.plugin_api import InsurerPlugin, InsurerTerms, Money, QuoteRequest

#: Per cent of the insured value, per version of the terms.
RATES = {date(2026, 1, 1): Decimal("1.5")}


class $class_name(InsurerPlugin):
    contract = "$contract"
    code = "$code"
    name = "$name"
    certificate_prefix = "$prefix"
    source = "Example values written by the scaffold; replace with the insurer's published terms."
    payout_working_days = 3
    calendar = "CN"
    terms_history = (
        InsurerTerms(
            effective_from=date(2026, 1, 1),
            max_insured_value={"USD": Decimal("5000")},
            minimum_premium={"USD": Decimal("2.00")},
            excluded_destinations=frozenset({"KP"}),
            excluded_categories=frozenset({"cash"}),
        ),
    )

    def describe_rates(self, terms: InsurerTerms) -> tuple[str, ...]:
        return (f"{RATES[terms.effective_from]} % of the insured value",)

    def premium(self, terms: InsurerTerms, request: QuoteRequest) -> tuple[Money, str]:
        rate = RATES[terms.effective_from]
        return request.insured_value.scaled(rate / 100), f"{rate} % of {request.insured_value.format()}"
'''

INSURER_TESTS = '''"""$name: the contract kit, and the premium rule."""

from datetime import date
from decimal import Decimal

from $plugin_ref import PLUGIN

from portal.plugin_api import Money, Quote, QuoteRequest
from portal.plugin_testing import ContractKit, load_plugin


class TestContract(ContractKit):
    plugin = PLUGIN


def test_the_premium_is_the_rate_of_the_insured_value_with_a_minimum():
    insurer = load_plugin(PLUGIN).insurers[0]
    usd = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731

    def quote(value):
        return insurer.quote(QuoteRequest(usd(value), usd(value), "US", "general", "any", "any", date(2026, 6, 1)))

    assert isinstance(quote("1000.00"), Quote) and quote("1000.00").premium == usd("15.00")
    assert quote("100.00").premium == usd("2.00")  # the minimum premium
'''

IN_TREE_REF = '''"""Where the tests find the plugin: its folder (the portal loads it from the plugins folder)."""

from pathlib import Path

PLUGIN_FOLDER = Path(__file__).resolve().parents[1]
PLUGIN = PLUGIN_FOLDER
'''

DIST_REF = '''"""Where the tests find the plugin: the installed distribution (through its ``coverdesk.plugins``
entry point, as the portal loads it), or its folder before it is installed."""

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

PLUGIN_FOLDER = Path(__file__).resolve().parents[1] / "$package"
try:
    distribution("coverdesk-$code")
    PLUGIN = "coverdesk-$code"
except PackageNotFoundError:
    PLUGIN = PLUGIN_FOLDER
'''

PYPROJECT = """[build-system]
requires = ["setuptools>=69", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "coverdesk-$code"
version = "0.1.0"
description = "$name: a $kind plugin for Coverdesk (contract $contract)"
requires-python = ">=3.11"
# Coverdesk itself provides portal.plugin_api; install this into Coverdesk's environment.
dependencies = []

[project.entry-points."coverdesk.plugins"]
$code = "$package"

[tool.setuptools]
packages = ["$package"]

[tool.setuptools.package-data]
$package = ["fixtures/*", "fixtures/letters/*", "templates/*"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

README = """# coverdesk-$code

$name, a $kind plugin for Coverdesk (contract $contract), written by `coverdesk plugins new`.

```sh
pip install -e .              # into Coverdesk's environment; `coverdesk plugins` then lists it
python -m pytest              # the contract kit and the plugin's own tests
```
"""


def _class_name(code: str, kind: str) -> str:
    return "".join(part.capitalize() for part in code.split("_")) + kind.capitalize()


def scaffold(kind: str, code: str, *, plugins_dir: Path, dist_dir: Path | None = None, name: str = "") -> Written:
    """Write a ``kind`` ("carrier" or "insurer") plugin ``code``: into ``plugins_dir/code``, or with
    ``dist_dir`` as the distribution ``dist_dir/coverdesk-code``. Refuses to overwrite anything."""
    if kind not in ("carrier", "insurer"):
        raise ScaffoldError(f"kind must be carrier or insurer, not {kind!r}")
    if not CODE_PATTERN.match(code):
        raise ScaffoldError(f"code {code!r} must be lower-case letters, digits and underscores (2-32, a letter first)")
    package = f"coverdesk_{code}"
    root = (dist_dir / f"coverdesk-{code}") if dist_dir else (plugins_dir / code)
    if root.exists():
        raise ScaffoldError(f"{root} already exists; nothing was written")
    values = {
        "code": code,
        "upper": code.upper()[:6],
        "prefix": "".join(ch for ch in code.upper() if ch.isalnum())[:4] or "CVR",
        "name": name or code.replace("_", " ").title(),
        "class_name": _class_name(code, kind),
        "contract": ".".join(map(str, CONTRACT_VERSION)),
        "package": package,
        "kind": kind,
        "plugin_ref": f"{code}_under_test",  # one name per plugin: the suite collects every plugin's tests
    }
    plugin_folder = root / package if dist_dir else root
    tests = root / "tests"
    files: dict[Path, str] = {}
    if kind == "carrier":
        files[plugin_folder / "__init__.py"] = CARRIER_INIT
        files[plugin_folder / "carrier.py"] = CARRIER
        files[plugin_folder / "fixtures" / "sample.json"] = json.dumps(CARRIER_FIXTURE, indent=2) + "\n"
        files[plugin_folder / "fixtures" / "sample.expected.json"] = json.dumps(CARRIER_EXPECTED, indent=2) + "\n"
        files[tests / f"test_{code}_carrier.py"] = CARRIER_TESTS
    else:
        files[plugin_folder / "__init__.py"] = INSURER_INIT
        files[plugin_folder / "insurer.py"] = INSURER
        files[tests / f"test_{code}_insurer.py"] = INSURER_TESTS
    files[tests / f"{code}_under_test.py"] = DIST_REF if dist_dir else IN_TREE_REF
    if dist_dir:
        files[root / "pyproject.toml"] = PYPROJECT
        files[root / "README.md"] = README
    rendered = {path: Template(text).substitute(values) for path, text in files.items()}
    # Written beside the target and renamed into place: a failure leaves nothing half-written.
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        for path, text in rendered.items():
            target = staging / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Written(root, list(rendered))
