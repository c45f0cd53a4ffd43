"""docs/plugin-reference.md, generated from the contract itself (``portal.plugin_api``): every
hook, every member of the two base classes (with one example each), every value type field by
field (type, and the unit or time zone its source comment gives), the vocabularies and helpers.
A test compares the committed file with this output, so nothing public goes undocumented.

    python -m portal.plugin_reference > docs/plugin-reference.md
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing

from . import plugin_api
from .plugin_api import pack, values, vocabularies

#: One example per member of the base classes: what a plugin writes.
EXAMPLES: dict[str, str] = {
    # carriers
    "CarrierPlugin.contract": 'contract = "1.4"',
    "CarrierPlugin.code": 'code = "acme_post"',
    "CarrierPlugin.name": 'name = "Acme Post"',
    "CarrierPlugin.kind": 'kind = "postal"',
    "CarrierPlugin.services": 'services = (Service("registered_air", "Registered airmail"),)',
    "CarrierPlugin.source": 'source = "UPU Letter Post Regulations, art. 22"',
    "CarrierPlugin.tracking_url": 'return f"https://track.acme.example/{tracking_no}"',
    "CarrierPlugin.check_tracking_no": 'return None if re.fullmatch(r"AC\\d{9}CN", tracking_no) else "must be AC, 9 digits, CN"',
    "CarrierPlugin.liability_cap": 'return Money(Decimal("47.33"), "USD")',
    "CarrierPlugin.service": 'carrier.service("registered_air").name  # the portal looks services up',
    "CarrierPlugin.status_map": 'status_map = {"D1": ("delivered", None), "L9": ("exception", "lost")}',
    "CarrierPlugin.normalise": 'return ("delivered", None) if "delivered" in description.lower() else (None, None)',
    "CarrierPlugin.parse_tracking": 'return TrackingFeed(tuple(events), (FeedProblem("line 4", "no time"),))',
    "CarrierPlugin.fetch_tracking": 'return http(f"{endpoint}/track", {"numbers": ",".join(tracking_numbers)})',
    "CarrierPlugin.stall_after_days": "return 14 if on in PEAK else 10",
    "CarrierPlugin.stall_reason": 'return "peak season, 4 days more" if on in PEAK else ""',
    "CarrierPlugin.trace_window": "return TraceWindow(7, 183)",
    "CarrierPlugin.loss_letter_format": 'loss_letter_format = LossLetterFormat(r"AC-\\d{6}", "AC-000123", "One page ...")',
    "CarrierPlugin.read_loss_letter": 'return LossLetterReading(case_reference="AC-000123", outcome="lost", missing=("liability",))',
    "CarrierPlugin.trace_request": "return TraceRequestDocument(subject, TEXT.render(d=details), HTML.render(d=details))",
    "CarrierPlugin.evidence_required": 'return (EvidenceRequirement("recipient_statement", "The post asks for it"),)',
    # insurers
    "InsurerPlugin.contract": 'contract = "1.4"',
    "InsurerPlugin.code": 'code = "acme_cover"',
    "InsurerPlugin.name": 'name = "Acme Cover"',
    "InsurerPlugin.certificate_prefix": 'certificate_prefix = "ACV"',
    "InsurerPlugin.terms_history": 'terms_history = (InsurerTerms(date(2026, 1, 1), {"USD": Decimal("5000")}, {"USD": Decimal("2")}),)',
    "InsurerPlugin.source": 'source = "XCover cross-border rate, as published 2025"',
    "InsurerPlugin.terms": "insurer.terms(date(2026, 11, 1)).max_insured_value  # the portal picks the version",
    "InsurerPlugin.quote": 'return Refusal("other", "no cover for parcels over 30 kg", "weight") if ... else super().quote(request)',
    "InsurerPlugin.evidence_required": 'return (EvidenceRequirement("loss_letter", "Proves the loss", grace=GraceRule(30, "trace_requested")),)',
    "InsurerPlugin.payout_working_days": "payout_working_days = 5",
    "InsurerPlugin.calendar": 'calendar = "US"',
    "InsurerPlugin.filing_window": "return FilingWindow(20, 120)",
    "InsurerPlugin.deductible": 'return Money(Decimal("5.00"), amount.currency)',
    "InsurerPlugin.claim_amount": 'return ClaimAmount(request.insured_value, "the insured value")',
    "InsurerPlugin.advance_refusal": 'return "the loss letter is not accepted yet" if ... else None',
    "InsurerPlugin.describe_rates": 'return ("1.5 % of the insured value",)',
    "InsurerPlugin.pack_layout": "return PackLayout(TEMPLATE, STYLESHEET)",
    "CarrierPlugin.languages": 'languages = ("en", "zh_CN")',
    "CarrierPlugin.document_languages": 'document_languages = ("zh_CN", "en")',
    "InsurerPlugin.languages": 'languages = ("en", "zh_CN")',
    "InsurerPlugin.document_languages": 'document_languages = ("en",)',
    "InsurerPlugin.premium": 'return request.insured_value.scaled(Decimal("0.015")), "1.5 %"',
}

#: Constants outside the vocabularies, described.
CONSTANTS = {
    "DEFAULT_LAYOUT": "the plain submission pack `InsurerPlugin.pack_layout` gives by default",
    "HANDOVER_LABELS": "the warehouse's scans in words (`pickup`: Picked up from the seller, ...), for trace requests",
    "BASE_LANGUAGE": "`'en'`: the language every text has, and the one a plain `str` is taken to be in",
    "TEXT_LANGUAGES": "`('en', 'zh_CN')`: the languages a `Text` may be written in",
}

_SINCE = re.compile(r"contract (1\.\d+)")


def _signature(function) -> str:
    """``(name: type = default, ...) -> type`` with the annotations as written (they are strings)."""
    signature = inspect.signature(function)
    parts, star = [], False
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls"):
            continue
        if parameter.kind is parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {parameter.annotation}"
        if parameter.default is not parameter.empty:
            text += f" = {parameter.default!r}"
        parts.append(text)
    returns = "" if signature.return_annotation is signature.empty else f" -> {signature.return_annotation}"
    return f"({', '.join(parts)}){returns}"


def _first_paragraph(text: str | None) -> str:
    return " ".join((inspect.cleandoc(text or "").split("\n\n") or [""])[0].split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _source_comments(cls: type) -> tuple[dict[str, str], dict[str, str]]:
    """From a class's source: ``#:`` comments above class attributes, and ``# ...`` after fields."""
    above, after, pending = {}, {}, []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"(\w+)\s*:\s*[^#]+?(?:#\s*(.*))?$", stripped)
        if match and not stripped.startswith(("def ", "return", "class ")):
            if pending:
                above[match.group(1)] = " ".join(pending)
            if match.group(2):
                after[match.group(1)] = match.group(2).strip()
        pending = [] if not stripped.startswith("#:") else pending
    return above, after


def _members(cls: type) -> list[str]:
    names = [n for n in cls.__dict__ if not n.startswith("_")]
    names += [n for n in cls.__dict__.get("__annotations__", {}) if n not in names and not n.startswith("_")]
    order = {name: i for i, name in enumerate(_source_order(cls))}
    return sorted(set(names), key=lambda n: order.get(n, 10_000))


def _source_order(cls: type) -> list[str]:
    return list(_since(cls))


def _since(cls: type) -> dict[str, str]:
    """Member -> the contract version that added it, from the class's section comments
    (``# --- tracking (contract 1.1) ---``); members before any such comment date from 1.0."""
    found, version = {}, "1.0"
    for line in inspect.getsource(cls).splitlines():
        section = re.match(r"\s{4}# ---.*\(contract (1\.\d+)", line)
        if section:
            version = section.group(1)
        match = re.match(r"\s{4}(?:def (\w+)|(\w+)\s*:)", line)
        if match and not line.startswith("        "):
            found.setdefault(match.group(1) or match.group(2), version)
    return found


def _member_rows(cls: type) -> list[str]:
    above, _ = _source_comments(cls)
    rows = ["| member | required | since | what it is | default | example |", "| --- | --- | --- | --- | --- | --- |"]
    for name in _members(cls):
        value = cls.__dict__.get(name, dataclasses.MISSING)
        if callable(value):
            signature = _signature(value)
            title = f"`{name}{signature}`"
            doc = _first_paragraph(value.__doc__)
            required = "yes" if getattr(value, "__isabstractmethod__", False) else "no"
            default = "—" if required == "yes" else "see what it is"
        else:
            annotation = cls.__dict__.get("__annotations__", {}).get(name, "")
            annotation = re.sub(r"^ClassVar\[(.*)\]$", r"\1", str(annotation))
            title = f"`{name}: {annotation}`"
            doc = above.get(name, "")
            required = "yes" if value is dataclasses.MISSING else "no"
            default = "—" if value is dataclasses.MISSING else f"`{value!r}`"
        since = _SINCE.search(doc)
        since = since.group(1) if since else _since(cls).get(name, "1.0")
        example = EXAMPLES.get(f"{cls.__name__}.{name}")
        if example is None:
            raise LookupError(f"no example for {cls.__name__}.{name}: add one to EXAMPLES")
        rows.append(f"| {_cell(title)} | {required} | {since} | {_cell(doc)} | {_cell(default)} | `{_cell(example)}` |")
    return rows


def _value_section(cls: type) -> list[str]:
    _, after = _source_comments(cls)
    lines = [f"### `{cls.__name__}`", "", _first_paragraph(cls.__doc__) or "(no description)", ""]
    if dataclasses.is_dataclass(cls):
        lines += ["| field | type | unit, zone, values | default |", "| --- | --- | --- | --- |"]
        for item in dataclasses.fields(cls):
            default = (
                "required"
                if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
                else f"`{item.default!r}`"
            )
            lines.append(
                f"| `{item.name}` | `{_cell(str(item.type))}` | {_cell(after.get(item.name, '—'))} | {_cell(default)} |"
            )
        lines.append("")
    methods = [
        (n, getattr(v, "__func__", v))
        for n, v in cls.__dict__.items()
        if callable(getattr(v, "__func__", v)) and not n.startswith("_") and not isinstance(v, type)
    ]
    for name, method in methods:
        lines.append(f"- `{name}{_signature(method)}`: {_first_paragraph(method.__doc__) or '—'}")
    if methods:
        lines.append("")
    return lines


def _both(label) -> str:
    """A vocabulary's label in its languages (contract 1.4: the labels are Texts)."""
    return (
        " / ".join(label.in_language(lang) for lang in label.languages) if isinstance(label, plugin_api.Text) else label
    )


def _vocabulary_rows() -> list[str]:
    rows = ["| name | value |", "| --- | --- |"]
    for name in sorted(n for n in vars(vocabularies) if n.isupper()):
        value = getattr(vocabularies, name)
        if isinstance(value, dict):
            shown = ", ".join(f"`{key}` ({_both(label)})" for key, label in value.items())
        elif isinstance(value, tuple):
            shown = ", ".join(f"`{item}`" for item in value)
        elif isinstance(value, re.Pattern):
            shown = f"`{value.pattern}`"
        else:
            shown = f"`{value!r}`"
        rows.append(f"| `{name}` | {_cell(shown)} |")
    return rows


def _helpers() -> list[str]:
    lines = []
    documented = {"CarrierPlugin", "InsurerPlugin", "CoverdeskHooks", "hookimpl", "hookspec"}
    value_types = {
        name for name, obj in vars(values).items() if isinstance(obj, type) and obj.__module__ == values.__name__
    } | {name for name, obj in vars(pack).items() if isinstance(obj, type) and obj.__module__ == pack.__name__}
    for name in plugin_api.__all__:
        obj = getattr(plugin_api, name)
        if name in documented or name in value_types or name in vars(vocabularies):
            continue
        if name in CONSTANTS:
            lines.append(f"- `{name}` ({type(obj).__name__}): {CONSTANTS[name]}")
        elif isinstance(obj, type):
            lines.append(f"- `{name}` (class): {_first_paragraph(obj.__doc__)}")
        elif callable(obj):
            lines.append(f"- `{name}{_signature(obj)}`: {_first_paragraph(obj.__doc__) or '—'}")
        else:
            lines.append(f"- `{name}`: {type(obj).__name__}")
    return lines


def generate() -> str:
    version = ".".join(map(str, plugin_api.CONTRACT_VERSION))
    out = [
        f"# Plugin contract reference (contract {version})",
        "",
        "Generated from `portal/plugin_api/` by `python -m portal.plugin_reference`; a test keeps it",
        "equal to the code. The guide is [plugins.md](plugins.md). Everything here is importable from",
        "`portal.plugin_api`, the only part of `portal` a plugin may import.",
        "",
        "## Hooks",
        "",
        "A plugin module marks its implementations with `hookimpl` (`from portal.plugin_api import hookimpl`);",
        "the specifications are the methods of `CoverdeskHooks` (marked with `hookspec`). Each is called",
        "once when the portal starts; an exception in one skips that plugin only.",
        "",
    ]
    for name, hook in inspect.getmembers(plugin_api.CoverdeskHooks, inspect.isfunction):
        out += [f"- `@hookimpl def {name}()`: {_first_paragraph(hook.__doc__)}"]
    out += ["", "## `CarrierPlugin`", "", _first_paragraph(plugin_api.CarrierPlugin.__doc__), ""]
    out += _member_rows(plugin_api.CarrierPlugin)
    out += ["", "## `InsurerPlugin`", "", _first_paragraph(plugin_api.InsurerPlugin.__doc__), ""]
    out += _member_rows(plugin_api.InsurerPlugin)
    out += [
        "",
        "## Values",
        "",
        "Times are tz-aware UTC unless a field says otherwise; `date` fields are days in the",
        "warehouse's zone (Asia/Shanghai by default); amounts are `Money`.",
        "",
    ]
    for module in (values,):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                out += _value_section(cls)
    out += ["## The submission pack's view model", "", _first_paragraph(pack.__doc__), ""]
    for _, cls in inspect.getmembers(pack, inspect.isclass):
        if cls.__module__ == pack.__name__:
            out += _value_section(cls)
    out += ["## Vocabularies", "", *_vocabulary_rows(), "", "## Money, time, working days and defaults", ""]
    out += [*_helpers(), "", "### `Money`", "", *_value_section(plugin_api.Money)[2:]]
    return "\n".join(line.rstrip() for line in out).rstrip() + "\n"


def _hints_resolve() -> None:
    """The annotations the reference prints are the contract's own (resolvable) types."""
    for cls in (plugin_api.CarrierPlugin, plugin_api.InsurerPlugin):
        for member in vars(cls).values():
            if inspect.isfunction(member):
                typing.get_type_hints(member)


if __name__ == "__main__":
    _hints_resolve()
    print(generate(), end="")
