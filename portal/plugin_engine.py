"""Finds, loads and checks plugins. A broken plugin is reported and skipped, never fatal.

Sources, in order (a code already taken by an earlier source is reported and skipped):
1. packages in the plugins folder (``COVERDESK_PLUGINS_DIR``, default ``plugins/``);
2. installed distributions declaring the entry-point group ``coverdesk.plugins``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import logging
import re
import sys
import traceback
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
import pycountry
from flask import current_app
from flask_babel import gettext as _

from . import plugin_api
from .i18n import N_
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
)
from .plugin_api.text import BASE_LANGUAGE, TEXT_LANGUAGES, Text, languages_of

log = logging.getLogger(__name__)


class ContractError(Exception):
    """A plugin object that does not keep the contract."""


@dataclass
class PluginFailure:
    """A plugin that was skipped, and why (shown on the Plugins page and logged)."""

    origin: str  # "plugins/<folder>" or "entry point <name> (<distribution>)"
    message: str
    code: str | None = None


@dataclass(eq=False)
class LoadedPlugin:
    """A plugin object that passed the checks. ``plugin`` is the guarded stand-in the portal
    calls; ``failures`` counts the calls that failed since this process loaded it."""

    kind: str  # "carrier" or "insurer"
    raw: CarrierPlugin | InsurerPlugin
    origin: str
    #: "name version" of the installed distribution it came from; "" for the plugins folder.
    distribution: str = ""
    #: The languages its texts for people are in (declared, or found from them): English first.
    languages: tuple[str, ...] = ("en",)
    failures: int = 0
    last_failure: str = ""
    plugin: GuardedPlugin = field(init=False)
    #: method name -> (the plugin's function, its guarded wrapper)
    wrappers: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.plugin = GuardedPlugin(self)


@dataclass
class PluginRegistry:
    carriers: dict[str, LoadedPlugin] = field(default_factory=dict)
    insurers: dict[str, LoadedPlugin] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    #: The owners the registry was settled with (passed on to worker processes that load again).
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

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

    def require_carrier(self, code: str) -> CarrierPlugin:
        """The carrier ``code``, or :class:`PluginUnavailable` (shown as a named message) when it is not loaded."""
        carrier = self.carrier(code)
        if carrier is None:
            raise PluginUnavailable("carrier", code)
        return carrier

    def require_insurer(self, code: str) -> InsurerPlugin:
        insurer = self.insurer(code)
        if insurer is None:
            raise PluginUnavailable("insurer", code)
        return insurer


def unloaded_plugins(order) -> list[str]:
    """Why an order's carrier or insurer cannot be asked right now, one sentence each: shown as a
    banner on its order, inquiry and claim pages, which stay readable."""
    reg = registry()
    problems = []
    if reg.carrier(order.carrier_code) is None:
        problems.append(str(PluginUnavailable("carrier", order.carrier_code)))
    cover = getattr(order, "cover", None)
    if cover is not None and reg.insurer(cover.insurer_code) is None:
        problems.append(str(PluginUnavailable("insurer", cover.insurer_code)))
    return problems


def require_loaded(order) -> None:
    """Refuse a change to an order (or its inquiry, claim) whose carrier or insurer is not loaded:
    such records open read-only until the plugin is back."""
    reg = registry()
    reg.require_carrier(order.carrier_code)
    if getattr(order, "cover", None) is not None:
        reg.require_insurer(order.cover.insurer_code)


def registry() -> PluginRegistry:
    """The plugins of the running app."""
    return current_app.extensions["coverdesk_plugins"]


def load_plugins(
    plugins_dir: str | Path | None,
    *,
    use_entry_points: bool = True,
    owners: Mapping[tuple[str, str], str] | None = None,
    only: set[str] | None = None,
) -> PluginRegistry:
    """Import, check and register every plugin; never raises for a plugin's fault.

    ``owners`` maps ``(kind, code)`` to the origin of the plugin that owns a code with records in
    the database: no other plugin may take that code over, whatever the loading order. ``only``
    limits loading to these folder names and distribution names (the test kit loads one plugin).
    """
    reg = PluginRegistry(owners=dict(owners or {}))
    manager = pluggy.PluginManager(plugin_api.PROJECT_NAME)
    manager.add_hookspecs(plugin_api.CoverdeskHooks)
    modules: list[tuple[str, types.ModuleType, str]] = []
    if plugins_dir:
        modules += _import_folder(Path(plugins_dir), reg, only)
    if use_entry_points:
        modules += _import_entry_points(reg, only)
    candidates: list[LoadedPlugin] = []
    for origin, module, distribution in modules:
        try:
            manager.register(module, name=origin)
        except Exception as exc:  # pluggy validates hook names and arguments here
            _fail(reg, origin, f"does not keep the hook contract: {exc}")
            continue
        candidates += _collect(reg, module, origin, distribution)
    _settle_codes(reg, candidates, owners or {})
    for failure in reg.failures:
        log.error("plugin skipped: %s: %s", failure.origin, failure.message)
    return reg


def _settle_codes(reg: PluginRegistry, candidates: list[LoadedPlugin], owners: Mapping[tuple[str, str], str]) -> None:
    """One plugin per code. A code whose records belong to a known plugin stays with it (a
    newcomer declaring it is skipped and named, even when it loads first); otherwise the first
    source wins (the plugins folder, then installed distributions, each by name)."""
    by_code: dict[tuple[str, str], list[LoadedPlugin]] = {}
    for loaded in candidates:
        by_code.setdefault((loaded.kind, loaded.raw.code), []).append(loaded)
    for (kind, code), claimants in by_code.items():
        owner = owners.get((kind, code))
        winner = next((c for c in claimants if c.origin == owner), None) if owner else claimants[0]
        table = reg.carriers if kind == "carrier" else reg.insurers
        if winner is not None:
            table[code] = winner
        for loser in claimants:
            if loser is winner:
                continue
            if owner and winner is None:
                reason = f"{kind} code {code!r} belongs to {owner}, which has records in the database and is not loaded"
            elif owner:
                reason = f"{kind} code {code!r} belongs to {owner}, which has records in the database"
            else:
                reason = f"{kind} code {code!r} is already provided by {winner.origin}"
            _fail(reg, loser.origin, f"{reason}; not taken over", code)


def _fail(reg: PluginRegistry, origin: str, message: str, code: str | None = None) -> None:
    reg.failures.append(PluginFailure(origin=origin, message=message, code=code))


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _import_folder(folder: Path, reg: PluginRegistry, only: set[str] | None) -> list[tuple[str, types.ModuleType, str]]:
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
        if only is not None and path.name not in only:
            continue
        origin = f"plugins/{path.name}"
        name = f"{parent}.{path.name}"
        try:
            module = sys.modules.get(name) or _import_package(name, path)
        except BaseException as exc:  # sys.exit() or any error while importing skips this plugin only
            _reraise_fatal(exc)
            _fail(reg, origin, f"failed to import: {_short_traceback(exc)}")
            continue
        found.append((origin, module, ""))
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


def _import_entry_points(reg: PluginRegistry, only: set[str] | None) -> list[tuple[str, types.ModuleType, str]]:
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist.name if entry.dist else "unknown distribution"
        if only is not None and dist not in only:
            continue
        origin = f"entry point {entry.name} ({dist})"
        version = f"{dist} {entry.dist.version}" if entry.dist else ""
        try:
            found.append((origin, entry.load(), version))
        except BaseException as exc:  # sys.exit() or any error while importing skips this plugin only
            _reraise_fatal(exc)
            _fail(reg, origin, f"failed to import: {_short_traceback(exc)}")
    return found


def _collect(reg: PluginRegistry, module, origin: str, distribution: str) -> list[LoadedPlugin]:
    """The checked plugin objects a module's hooks provide; each failure is reported and skipped."""
    found = []
    for hook_name, kind, base, check in (
        ("coverdesk_carriers", "carrier", CarrierPlugin, _check_carrier),
        ("coverdesk_insurers", "insurer", InsurerPlugin, _check_insurer),
    ):
        impl = getattr(module, hook_name, None)
        if impl is None:
            continue
        try:
            provided = impl()
        except BaseException as exc:
            _reraise_fatal(exc)
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
            except BaseException as exc:
                _reraise_fatal(exc)
                _fail(reg, origin, f"{kind} {code or '?'}: contract check raised {_short_traceback(exc)}", code)
                continue
            found.append(
                LoadedPlugin(
                    kind=kind, raw=plugin, origin=origin, distribution=distribution, languages=plugin_languages(plugin)
                )
            )
    return found


def check_plugin(plugin) -> list[str]:
    """The engine's load-time checks of one carrier or insurer object, for its author's tests:
    the problem found (as the Plugins page would name it), or an empty list."""
    kind, check = ("carrier", _check_carrier) if isinstance(plugin, CarrierPlugin) else ("insurer", _check_insurer)
    if not isinstance(plugin, (CarrierPlugin, InsurerPlugin)):
        return [f"{type(plugin).__name__} is neither a CarrierPlugin nor an InsurerPlugin"]
    try:
        _check_version(plugin)
        check(plugin)
    except ContractError as exc:
        return [f"{kind} {getattr(plugin, 'code', '?')}: {exc}"]
    return []


def _check_version(plugin) -> None:
    if getattr(plugin, "contract", None) is None:
        have = ".".join(map(str, CONTRACT_VERSION))
        raise ContractError(f'declares no contract version; add contract = "{have}" (the version it was written for)')
    declared = str(plugin.contract)
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
    for attribute in ("languages", "document_languages"):
        value = getattr(plugin, attribute, None)
        if value is None and attribute == "languages":
            continue
        if (
            not isinstance(value, tuple)
            or not value
            or len(set(value)) != len(value)
            or any(language not in TEXT_LANGUAGES for language in value)
        ):
            raise ContractError(f"{attribute} must be a tuple of distinct languages from {', '.join(TEXT_LANGUAGES)}")
    if plugin.languages is not None and BASE_LANGUAGE not in plugin.languages:
        raise ContractError(f"languages must include {BASE_LANGUAGE!r}: every text has its English")


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
    from jinja2 import TemplateError, TemplateSyntaxError

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
    currency = next(iter(sorted(plugin.terms_history[-1].max_insured_value)))
    try:
        plugin_api.render_pack_body(layout, plugin_api.sample_pack_context(currency))
    except TemplateSyntaxError as exc:
        raise ContractError(f"pack_layout template, line {exc.lineno}: {exc.message}") from None
    except TemplateError as exc:  # a name the view model does not have, a filter misused...
        raise ContractError(f"pack_layout template does not render the sample claim: {exc}") from None


# --- the guard around every call into a plugin ------------------------------------------------

#: Exceptions that are part of the contract: a plugin raises them on purpose and the core handles them.
CONTRACT_EXCEPTIONS: tuple[type[BaseException], ...] = (plugin_api.NotSupported, plugin_api.HttpError)


class PluginProblem(Exception):
    """A plugin could not be asked: it failed (:class:`PluginFailed`) or is not loaded
    (:class:`PluginUnavailable`). Pages and the API show the message as it is."""


class PluginFailed(PluginProblem):
    """A plugin raised, or broke its contract, while the portal called it. The message names the
    plugin and the hook; the traceback is logged and the failure counted on the Plugins page."""

    def __init__(self, kind: str, code: str, name: str, hook: str, error: str):
        self.kind, self.code, self.plugin_name, self.hook, self.error = kind, code, name, hook, error
        super().__init__(kind, code, name, hook, error)

    def __str__(self) -> str:  # when read, not when raised: the name in the reader's language, not a document's
        return (
            f"The {self.kind} plugin {self.plugin_name} ({self.code}) failed in {self.hook}: {self.error}. "
            "Nothing was changed; the error is logged and shown on the Plugins page."
        )

    def __reduce__(self):  # crosses process boundaries (the import's worker) intact
        return PluginFailed, (self.kind, self.code, self.plugin_name, self.hook, self.error)


class PluginUnavailable(PluginProblem):
    """A record names a carrier or insurer whose plugin is not loaded (removed, or skipped at start)."""

    def __init__(self, kind: str, code: str):
        self.kind, self.code = kind, code
        super().__init__(
            f"The {kind} {code!r} is not loaded (see the Plugins page), so this cannot be done now; "
            "its orders, inquiries and claims stay readable."
        )

    def __reduce__(self):
        return PluginUnavailable, (self.kind, self.code)


class GuardedPlugin:
    """Stands in for a loaded plugin object: every method call and attribute read goes through
    :func:`_guard`, so a plugin that raises (anything but a keyboard interrupt) or returns the wrong
    type becomes a named :class:`PluginFailed`, never a 500 or a stopped process. ``isinstance``
    still sees the plugin's own class."""

    __slots__ = ("_loaded",)

    def __init__(self, loaded: LoadedPlugin):
        object.__setattr__(self, "_loaded", loaded)

    @property
    def __class__(self):  # isinstance(guarded, CarrierPlugin) keeps working
        return type(self._loaded.raw)

    def __getattr__(self, name: str):
        loaded = self._loaded
        try:
            value = getattr(loaded.raw, name)
        except AttributeError:
            raise
        except BaseException as exc:
            _reraise_fatal(exc)
            raise _failed(loaded, name, exc) from exc
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            return as_texts(value) if name in TEXT_MEMBERS else value
        # One wrapper per method, made again only when the method itself changes (a test patch).
        function = getattr(value, "__func__", value)
        cached = loaded.wrappers.get(name)
        if cached is None or cached[0] is not function:
            cached = (function, _guarded(loaded, name, value))
            loaded.wrappers[name] = cached
        return cached[1]

    def __setattr__(self, name, value):
        raise AttributeError("loaded plugins are read-only (a test patches LoadedPlugin.raw)")

    def __repr__(self) -> str:
        return f"<guarded {self._loaded.kind} {getattr(self._loaded.raw, 'code', '?')}>"


def _reraise_fatal(exc: BaseException) -> None:
    """A keyboard interrupt stops the process as the person at the keyboard asked; nothing else does."""
    if isinstance(exc, KeyboardInterrupt):
        raise exc


def _guarded(loaded: LoadedPlugin, hook: str, method):
    """``method`` behind the guard: its exceptions (but the contract's own and a keyboard
    interrupt) and a result of the wrong type become :class:`PluginFailed`."""
    check = _checker(type(loaded.raw), hook)

    def call(*args, **kwargs):
        try:
            result = method(*args, **kwargs)
        except CONTRACT_EXCEPTIONS:
            raise
        except BaseException as exc:  # SystemExit, GeneratorExit... from a plugin never stop the portal
            _reraise_fatal(exc)
            raise _failed(loaded, hook, exc) from exc
        if check is not None and not check(result):
            expected = _return_hints(type(loaded.raw), hook)
            error = ContractError(f"returned {type(result).__name__}, expected {_hint_name(expected)}")
            raise _failed(loaded, hook, error)
        return as_texts(result) if hook in TEXT_MEMBERS else result

    return call


# --- plugin texts at the boundary (contract 1.4) ----------------------------------------------

#: The members whose strings reach people. Their plain ``str`` values (one-language plugins, contract
#: 1.3 and before) become English-only :class:`Text`, so pages mark them as English where Chinese
#: is asked; codes, URLs and documents are never touched.
TEXT_MEMBERS = frozenset(
    {
        "name",
        "services",
        "service",
        "loss_letter_format",
        "check_tracking_no",
        "stall_reason",
        "evidence_required",
        "quote",
        "terms",
        "terms_history",
        "describe_rates",
        "claim_amount",
        "advance_refusal",
    }
)
#: The fields of the contract's values that are texts for people.
TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    plugin_api.Service: ("name", "description"),
    plugin_api.Refusal: ("message",),
    plugin_api.Quote: ("rate_description",),
    plugin_api.EvidenceRequirement: ("why",),
    plugin_api.LossLetterFormat: ("description",),
    plugin_api.ClaimAmount: ("description",),
    plugin_api.InsurerTerms: ("notes",),
}


def as_texts(value):
    """``value`` with every text for people a :class:`Text` (a plain ``str`` one is English)."""
    if isinstance(value, Text) or value is None:
        return value
    if isinstance(value, str):
        return Text(value)
    if isinstance(value, tuple):
        return tuple(as_texts(item) for item in value)
    fields = TEXT_FIELDS.get(type(value))
    if fields:
        changed = {name: as_texts(getattr(value, name)) for name in fields}
        if any(changed[name] is not getattr(value, name) for name in fields):
            return dataclasses.replace(value, **changed)
    return value


@functools.cache
def _checker(cls: type, hook: str):
    """A function telling whether a value fits the return type the contract declares for
    ``hook``, compiled once per plugin class and hook (the guard sits on every call)."""
    hint = _return_hints(cls, hook)
    return None if hint is None else _compile(hint)


def _compile(hint):
    if hint is None or hint is type(None):
        return lambda value: value is None
    if hint is typing.Any:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        parts = [_compile(arg) for arg in typing.get_args(hint)]
        if any(part is None for part in parts):
            return None
        return lambda value: any(part(value) for part in parts)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _compile(args[0])
            if item is None:
                return lambda value: isinstance(value, tuple)
            return lambda value: isinstance(value, tuple) and all(item(v) for v in value)
        items = [_compile(arg) or (lambda value: True) for arg in args]
        return lambda value: (
            isinstance(value, tuple)
            and len(value) == len(items)
            and all(f(v) for f, v in zip(items, value, strict=True))
        )
    if origin is not None:
        return lambda value: isinstance(value, origin)
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return lambda value: isinstance(value, hint)
    return None


def _failed(loaded: LoadedPlugin, hook: str, exc: BaseException) -> PluginFailed:
    code = getattr(loaded.raw, "code", "?")
    name = getattr(loaded.raw, "name", code)
    error = str(exc) if isinstance(exc, ContractError) else f"{type(exc).__name__}: {exc}"
    loaded.failures += 1
    loaded.last_failure = f"{hook}: {error}"
    log.error("%s plugin %s failed in %s", loaded.kind, code, hook, exc_info=exc)
    return PluginFailed(loaded.kind, code, name, hook, error)


@functools.cache
def _return_hints(cls: type, hook: str):
    """The return type the contract's base class declares for ``hook`` (None: not checked)."""
    for base in cls.__mro__:
        if base in (plugin_api.CarrierPlugin, plugin_api.InsurerPlugin) and hook in vars(base):
            try:
                return typing.get_type_hints(vars(base)[hook]).get("return")
            except Exception:  # noqa: BLE001 - an unresolvable hint is simply not checked
                return None
    return None


def _hint_name(hint) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("portal.plugin_api.", "")


# --- what the Plugins page and `coverdesk plugins` show -----------------------------------------


def rules_summary(loaded: LoadedPlugin, today: date, destination: str = "US") -> list[str]:
    """A plugin's rules in readable lines (thresholds, windows, limits, evidence, SLA), asked of
    the plugin through the guard: a rule that fails shows as the failure instead. In the reader's
    language on the Plugins page; in English on the command line."""
    try:
        if loaded.kind == "carrier":
            return _carrier_rules(loaded.plugin, today, destination)
        return _insurer_rules(loaded.plugin, today)
    except PluginFailed as exc:
        return [_("rules unavailable: %(hook)s failed: %(error)s", hook=exc.hook, error=exc.error)]


#: The events a grace period counts from, as the rules name them.
_GRACE_STARTS = {
    "inquiry_opened": N_("inquiry opened"),
    "trace_requested": N_("trace requested"),
    "carrier_answered": N_("carrier answered"),
}


def _kind_name(kind: str) -> str:
    return str(plugin_api.INQUIRY_KINDS[kind]) if kind in plugin_api.INQUIRY_KINDS else kind


def _carrier_rules(carrier: CarrierPlugin, today: date, destination: str) -> list[str]:
    lines = []
    for service in carrier.services:
        window = carrier.trace_window(service.code, destination)
        stall = carrier.stall_after_days(service.code, destination, today)
        lines.append(
            _(
                "%(service)s (%(code)s), to %(destination)s: stalled after %(stall)s days without news; "
                "trace from day %(earliest)s to day %(latest)s after dispatch",
                service=service.name,
                code=service.code,
                destination=destination,
                stall=stall,
                earliest=window.earliest_day,
                latest=window.latest_day,
            )
        )
    letter = carrier.loss_letter_format
    if letter is not None:
        lines.append(_("loss letter reference like %(example)s", example=letter.reference_example))
    added = {kind: carrier.evidence_required(kind, carrier.services[0].code) for kind in plugin_api.INQUIRY_KINDS}
    for kind, items in added.items():
        if items:
            lines.append(_("adds for %(kind)s: %(evidence)s", kind=_kind_name(kind), evidence=_evidence_text(items)))
    return lines


def _insurer_rules(insurer: InsurerPlugin, today: date) -> list[str]:
    terms = insurer.terms(today)
    limits = ", ".join(
        _(
            "%(currency)s up to %(amount)s (minimum premium %(minimum)s)",
            currency=currency,
            amount=amount,
            minimum=terms.minimum_premium.get(currency, "0"),
        )
        for currency, amount in sorted(terms.max_insured_value.items())
    )
    lines = [_("terms from %(day)s: %(limits)s", day=terms.effective_from, limits=limits)]
    lines += [_("rates: %(rate)s", rate=line) for line in insurer.describe_rates(terms)]
    if terms.excluded_destinations:
        lines.append(_("excluded destinations: %(codes)s", codes=", ".join(sorted(terms.excluded_destinations))))
    if terms.excluded_categories:
        lines.append(_("excluded goods: %(codes)s", codes=", ".join(sorted(terms.excluded_categories))))
    for kind in plugin_api.INQUIRY_KINDS:
        window = insurer.filing_window(kind)
        items = insurer.evidence_required(kind, today)
        lines.append(
            _(
                "%(kind)s: claim from day %(earliest)s to day %(latest)s; evidence: %(evidence)s",
                kind=_kind_name(kind),
                earliest=window.earliest_day,
                latest=window.latest_day,
                evidence=_evidence_text(items),
            )
        )
    lines.append(
        _(
            "pays within %(days)s working days (%(calendar)s calendar)",
            days=insurer.payout_working_days,
            calendar=insurer.calendar,
        )
    )
    return lines


def _evidence_text(items) -> str:
    parts = []
    for item in items:
        text = str(plugin_api.EVIDENCE_KINDS[item.kind]) if item.kind in plugin_api.EVIDENCE_KINDS else item.kind
        if not item.mandatory:
            text = _("%(evidence)s (optional)", evidence=text)
        if item.grace is not None:
            start = _GRACE_STARTS.get(item.grace.counted_from)
            text = _(
                "%(evidence)s (may follow within %(days)s days of %(start)s)",
                evidence=text,
                days=item.grace.days,
                start=_(start) if start else item.grace.counted_from,
            )
        parts.append(text)
    return ", ".join(parts) or _("nothing")


# --- the languages of a plugin's texts (contract 1.4) --------------------------------------------


def plugin_texts(plugin: CarrierPlugin | InsurerPlugin, today: date | None = None) -> list[str]:
    """Every text a plugin shows people that the portal can ask for without an order: its name,
    services, evidence reasons, loss-letter layout, terms notes and rate lines, stall reasons."""
    today = today or date.today()
    texts: list[str] = [plugin.name]
    if isinstance(plugin, CarrierPlugin):
        for service in plugin.services:
            texts += [service.name, service.description]
            texts.append(plugin.stall_reason(service.code, "US", today))
            for kind in INQUIRY_KINDS:
                texts += [item.why for item in plugin.evidence_required(kind, service.code)]
        if plugin.loss_letter_format is not None:
            texts.append(plugin.loss_letter_format.description)
    else:
        for terms in plugin.terms_history:
            texts.append(terms.notes)
            texts += list(plugin.describe_rates(terms))
            for kind in INQUIRY_KINDS:
                texts += [item.why for item in plugin.evidence_required(kind, terms.effective_from)]
    return [text for text in texts if isinstance(text, str) and text.strip()]


def found_languages(texts: list[str]) -> tuple[str, ...]:
    """The languages every one of ``texts`` is written in (English always: a plain str is English)."""
    return tuple(language for language in TEXT_LANGUAGES if all(language in languages_of(text) for text in texts))


def plugin_languages(plugin: CarrierPlugin | InsurerPlugin) -> tuple[str, ...]:
    """The languages a plugin speaks: the ones it declares, else the ones all its texts have."""
    declared = getattr(plugin, "languages", None)
    if declared:
        return tuple(declared)
    try:
        return found_languages(plugin_texts(plugin))
    except Exception:  # noqa: BLE001 - a rule that raises is reported by the guard; here: English only
        return (BASE_LANGUAGE,)
