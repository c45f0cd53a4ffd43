"""Finds, loads and checks plugins. A broken plugin is reported and skipped, never fatal.

Sources, in order (a code already taken by an earlier source is reported and skipped):
1. packages in the plugins folder (``COVERDESK_PLUGINS_DIR``, default ``plugins/``);
2. installed distributions declaring the entry-point group ``coverdesk.plugins``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import sys
import traceback
import types
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
import pycountry
from flask import current_app

from . import plugin_api
from .money import MoneyError, check_currency
from .plugin_api import (
    CARRIER_KINDS,
    CODE_PATTERN,
    CONTRACT_VERSION,
    ENTRY_POINT_GROUP,
    EVIDENCE_KINDS,
    GOODS_CATEGORIES,
    GRACE_STARTS,
    INQUIRY_KINDS,
    TRACKING_REASONS,
    TRACKING_STATUSES,
    CarrierPlugin,
    InsurerPlugin,
    LoadedPlugin,
    PluginFailure,
)

log = logging.getLogger(__name__)


class ContractError(Exception):
    """A plugin object that does not keep the contract."""


@dataclass
class PluginRegistry:
    carriers: dict[str, LoadedPlugin] = field(default_factory=dict)
    insurers: dict[str, LoadedPlugin] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)

    def carrier(self, code: str) -> CarrierPlugin | None:
        loaded = self.carriers.get(code)
        return loaded.plugin if loaded else None

    def insurer(self, code: str) -> InsurerPlugin | None:
        loaded = self.insurers.get(code)
        return loaded.plugin if loaded else None

    def all_carriers(self) -> list[CarrierPlugin]:
        return [loaded.plugin for loaded in sorted(self.carriers.values(), key=lambda p: p.plugin.name)]

    def all_insurers(self) -> list[InsurerPlugin]:
        return [loaded.plugin for loaded in sorted(self.insurers.values(), key=lambda p: p.plugin.name)]


def registry() -> PluginRegistry:
    """The plugins of the running app."""
    return current_app.extensions["coverdesk_plugins"]


def load_plugins(plugins_dir: str | Path | None, *, use_entry_points: bool = True) -> PluginRegistry:
    reg = PluginRegistry()
    manager = pluggy.PluginManager(plugin_api.PROJECT_NAME)
    manager.add_hookspecs(plugin_api.CoverdeskHooks)
    modules: list[tuple[str, types.ModuleType]] = []
    if plugins_dir:
        modules += _import_folder(Path(plugins_dir), reg)
    if use_entry_points:
        modules += _import_entry_points(reg)
    for origin, module in modules:
        try:
            manager.register(module, name=origin)
        except Exception as exc:  # pluggy validates hook names and arguments here
            _fail(reg, origin, f"does not keep the hook contract: {exc}")
            continue
        _collect(reg, manager, module, origin)
    for failure in reg.failures:
        log.error("plugin skipped: %s: %s", failure.origin, failure.message)
    return reg


def _fail(reg: PluginRegistry, origin: str, message: str, code: str | None = None) -> None:
    reg.failures.append(PluginFailure(origin=origin, message=message, code=code))


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _import_folder(folder: Path, reg: PluginRegistry) -> list[tuple[str, types.ModuleType]]:
    if not folder.is_dir():
        _fail(reg, str(folder), "plugins folder does not exist")
        return []
    # A private parent package per folder, so two folders never share module names.
    parent = "coverdesk_plugins_" + hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:10]
    if parent not in sys.modules:
        package = types.ModuleType(parent)
        package.__path__ = [str(folder)]
        sys.modules[parent] = package
    found = []
    for path in sorted(folder.iterdir()):
        if not (path / "__init__.py").is_file() or path.name.startswith(("_", ".")):
            continue
        origin = f"plugins/{path.name}"
        name = f"{parent}.{path.name}"
        try:
            module = sys.modules.get(name) or _import_package(name, path)
        except Exception as exc:
            _fail(reg, origin, f"failed to import: {_short_traceback(exc)}")
            continue
        found.append((origin, module))
    return found


def _import_package(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path / "__init__.py", submodule_search_locations=[str(path)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _import_entry_points(reg: PluginRegistry) -> list[tuple[str, types.ModuleType]]:
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist.name if entry.dist else "unknown distribution"
        origin = f"entry point {entry.name} ({dist})"
        try:
            found.append((origin, entry.load()))
        except Exception as exc:
            _fail(reg, origin, f"failed to import: {_short_traceback(exc)}")
    return found


def _collect(reg: PluginRegistry, manager: pluggy.PluginManager, module, origin: str) -> None:
    for hook_name, kind, base, table, check in (
        ("coverdesk_carriers", "carrier", CarrierPlugin, reg.carriers, _check_carrier),
        ("coverdesk_insurers", "insurer", InsurerPlugin, reg.insurers, _check_insurer),
    ):
        impl = getattr(module, hook_name, None)
        if impl is None:
            continue
        try:
            provided = impl()
        except Exception as exc:
            _fail(reg, origin, f"{hook_name}() raised {_short_traceback(exc)}")
            continue
        if not isinstance(provided, (list, tuple)):
            _fail(reg, origin, f"{hook_name}() must return a list, not {type(provided).__name__}")
            continue
        for plugin in provided:
            code = getattr(plugin, "code", None)
            try:
                if not isinstance(plugin, base):
                    raise ContractError(
                        f"{hook_name}() returned {type(plugin).__name__}; expected {base.__name__} instances"
                    )
                _check_version(plugin)
                check(plugin)
            except ContractError as exc:
                _fail(reg, origin, f"{kind} {code or '?'}: {exc}", code)
                continue
            except Exception as exc:
                _fail(reg, origin, f"{kind} {code or '?'}: contract check raised {_short_traceback(exc)}", code)
                continue
            if code in table:
                _fail(reg, origin, f"{kind} code {code!r} is already provided by {table[code].origin}", code)
                continue
            table[code] = LoadedPlugin(kind=kind, plugin=plugin, origin=origin)


def _check_version(plugin) -> None:
    declared = str(getattr(plugin, "contract", ""))
    try:
        major, minor = (int(part) for part in declared.split("."))
    except ValueError:
        raise ContractError(f"contract version {declared!r} is not 'major.minor'") from None
    if major != CONTRACT_VERSION[0] or minor > CONTRACT_VERSION[1]:
        have = ".".join(map(str, CONTRACT_VERSION))
        raise ContractError(f"written for contract {declared}; this portal implements {have}")


def _check_code(plugin) -> None:
    code = getattr(plugin, "code", None)
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise ContractError(f"code {code!r} must match {CODE_PATTERN.pattern}")
    name = getattr(plugin, "name", None)
    if not isinstance(name, str) or not name.strip():
        raise ContractError("name is missing")


def _check_carrier(plugin: CarrierPlugin) -> None:
    _check_code(plugin)
    if getattr(plugin, "kind", None) not in CARRIER_KINDS:
        raise ContractError(f"kind must be one of {', '.join(CARRIER_KINDS)}")
    services = getattr(plugin, "services", None)
    if not services:
        raise ContractError("declares no services")
    seen = set()
    for service in services:
        if not isinstance(service, plugin_api.Service) or not CODE_PATTERN.match(service.code):
            raise ContractError(f"service {service!r} is not a Service with a valid code")
        if service.code in seen:
            raise ContractError(f"service code {service.code!r} is declared twice")
        seen.add(service.code)
    url = plugin.tracking_url("CHECK123456")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise ContractError("tracking_url() must return an https:// address")
    for code, (status, reason) in getattr(plugin, "status_map", {}).items():
        if status not in TRACKING_STATUSES:
            raise ContractError(f"status_map maps {code!r} to {status!r}, not one of {', '.join(TRACKING_STATUSES)}")
        if reason is not None and reason not in TRACKING_REASONS:
            raise ContractError(
                f"status_map gives {code!r} the reason {reason!r}, not one of {', '.join(TRACKING_REASONS)}"
            )
    for service in services:
        window = plugin.trace_window(service.code, "US")
        if not 0 <= window.earliest_day < window.latest_day:
            raise ContractError(f"trace_window of {service.code} must run from a day >= 0 to a later day")
        if plugin.stall_after_days(service.code, "US", date.today()) < 1:
            raise ContractError(f"stall_after_days of {service.code} must be at least 1")
        for kind in INQUIRY_KINDS:
            _check_requirements(
                plugin.evidence_required(kind, service.code), f"evidence_required({kind!r}, {service.code!r})"
            )
    letter_format = getattr(plugin, "loss_letter_format", None)
    if letter_format is not None:
        try:
            fits = letter_format.reference_fits(letter_format.reference_example)
        except re.error as exc:
            raise ContractError(f"loss_letter_format.reference_pattern is not a regular expression: {exc}") from None
        if not fits:
            raise ContractError("loss_letter_format.reference_example does not fit its reference_pattern")


def _check_requirements(requirements, where: str) -> None:
    """Evidence lists name known kinds, once each, with a reason and a sensible grace rule."""
    if not isinstance(requirements, (list, tuple)):
        raise ContractError(f"{where} must return a tuple of EvidenceRequirement")
    seen = set()
    for requirement in requirements:
        if not isinstance(requirement, plugin_api.EvidenceRequirement):
            raise ContractError(f"{where} returned {requirement!r}, not an EvidenceRequirement")
        if requirement.kind not in EVIDENCE_KINDS:
            raise ContractError(f"{where} names the unknown evidence kind {requirement.kind!r}")
        if requirement.kind in seen:
            raise ContractError(f"{where} names {requirement.kind!r} twice")
        seen.add(requirement.kind)
        if not isinstance(requirement.why, str) or not requirement.why.strip():
            raise ContractError(f"{where} gives {requirement.kind!r} no reason (why)")
        grace = requirement.grace
        if grace is not None and (
            not isinstance(grace.days, int) or grace.days <= 0 or grace.counted_from not in GRACE_STARTS
        ):
            raise ContractError(
                f"{where}: the grace rule of {requirement.kind!r} needs days > 0 counted from one of "
                f"{', '.join(GRACE_STARTS)}"
            )


def _check_insurer(plugin: InsurerPlugin) -> None:
    _check_code(plugin)
    prefix = getattr(plugin, "certificate_prefix", None)
    if not isinstance(prefix, str) or not prefix.isalnum() or not prefix.isupper():
        raise ContractError("certificate_prefix must be upper-case letters and digits")
    history = getattr(plugin, "terms_history", None)
    if not history:
        raise ContractError("terms_history is empty")
    dates = [terms.effective_from for terms in history]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise ContractError("terms_history must be ordered by effective_from, one version per date")
    for terms in history:
        where = f"terms of {terms.effective_from}"
        if not terms.max_insured_value:
            raise ContractError(f"{where} cover no currency")
        for currency in [*terms.max_insured_value, *terms.minimum_premium]:
            try:
                check_currency(currency)
            except MoneyError as exc:
                raise ContractError(f"{where}: {exc}") from None
        unknown = sorted(c for c in terms.excluded_categories if c not in GOODS_CATEGORIES)
        if unknown:
            raise ContractError(f"{where} exclude unknown goods categories: {', '.join(unknown)}")
        bad = sorted(c for c in terms.excluded_destinations if pycountry.countries.get(alpha_2=c) is None)
        if bad:
            raise ContractError(f"{where} exclude unknown country codes: {', '.join(bad)}")
        for kind in INQUIRY_KINDS:
            _check_requirements(
                plugin.evidence_required(kind, terms.effective_from), f"evidence_required({kind!r}) under the {where}"
            )
    _check_claim_rules(plugin)


def _check_claim_rules(plugin: InsurerPlugin) -> None:
    """Payout days, a calendar the portal can count in, filing windows and a pack template that compiles."""
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    from .calendars import CalendarUnknown, check_calendar

    days = getattr(plugin, "payout_working_days", None)
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise ContractError("payout_working_days must be a whole number of working days from 1 to 60")
    try:
        check_calendar(plugin.calendar)
    except CalendarUnknown as exc:
        raise ContractError(f"calendar {plugin.calendar!r}: {exc}") from None
    for kind in INQUIRY_KINDS:
        window = plugin.filing_window(kind)
        if not isinstance(window, plugin_api.FilingWindow) or not 0 <= window.earliest_day < window.latest_day:
            raise ContractError(f"filing_window({kind!r}) must run from a day >= 0 to a later day")
    layout = plugin.pack_layout()
    if not isinstance(layout, plugin_api.PackLayout):
        raise ContractError("pack_layout() must return a PackLayout")
    try:
        SandboxedEnvironment(autoescape=True).parse(layout.template)
    except TemplateSyntaxError as exc:
        raise ContractError(f"pack_layout template, line {exc.lineno}: {exc.message}") from None
