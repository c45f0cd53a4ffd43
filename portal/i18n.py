"""The desk's languages: Simplified Chinese and English, chosen per staff member.

A page is in the staff member's own language (their profile, or the switch in the top bar); before
anyone has chosen, in the one their browser asks for (Accept-Language), else the warehouse's
(``COVERDESK_LANGUAGE``, Chinese by default). The API, the CLI and the job worker speak English:
their readers are integrators' programs and operators, and their texts are part of the contract.

Strings are marked with ``gettext`` / ``lazy_gettext`` (``_`` / ``_l``) in Python and ``_()`` or
``{% trans %}`` in templates; words the plugin contract holds (goods categories, evidence kinds...)
are marked with :func:`N_` where they are defined and translated where they are shown.
Catalogs live in ``portal/translations``; ``coverdesk i18n`` extracts, updates and compiles them.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import Babel, get_locale

from .plugin_api.text import set_language_resolver

#: The languages of the interface, each named in itself (as a language menu shows them).
LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
#: What ``<html lang>`` says for each (BCP 47).
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
DEFAULT_LANGUAGE = "zh_CN"
#: Outside a page (CLI, jobs, API) the desk speaks the language of its contract.
CONTRACT_LANGUAGE = "en"
TRANSLATIONS = Path(__file__).parent / "translations"
#: Blueprints whose answers are read by programs: always English, whatever the caller's browser.
ENGLISH_ONLY_BLUEPRINTS = frozenset({"api", "health"})


def N_(text: str) -> str:
    """Marks a string for the catalog where it is defined; it is translated where it is shown."""
    return text


def check_language(name: str) -> str:
    """``name`` if it is one of the desk's languages; ``ValueError`` naming the choices otherwise."""
    value = (name or "").strip().replace("-", "_")
    for code in LANGUAGES:
        if value.lower() == code.lower():
            return code
    raise ValueError(f"{name!r} is not a language of the desk (choose {' or '.join(LANGUAGES)})")


def browser_language() -> str | None:
    """The desk's language the browser asks for first (Accept-Language), or None."""
    if not has_request_context():
        return None
    return request.accept_languages.best_match(list(LANGUAGES))


def chosen_language() -> str:
    """The language a page is in, before any staff member's own choice is known: the one picked on
    the login page, else the browser's, else the warehouse's."""
    picked = session.get("language") if has_request_context() else None
    if picked in LANGUAGES:
        return picked
    return browser_language() or current_app.config.get("LANGUAGE", DEFAULT_LANGUAGE)


def select_language() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context() or request.blueprint in ENGLISH_ONLY_BLUEPRINTS:
        return CONTRACT_LANGUAGE
    from flask_login import current_user  # here: the login manager is set up after Babel

    own = getattr(current_user, "language", None) if current_user.is_authenticated else None
    return own if own in LANGUAGES else chosen_language()


#: Babel names zh_CN by its script too (zh_Hans_CN): each of its names, back to the desk's code.
_BY_LOCALE = {str(Locale.parse(code)): code for code in LANGUAGES}


def current_language() -> str:
    """The language being spoken now: ``zh_CN`` or ``en``."""
    locale = get_locale()
    return _BY_LOCALE.get(str(locale), CONTRACT_LANGUAGE) if locale is not None else CONTRACT_LANGUAGE


def _text_language() -> str:
    """The language plugins' texts print in: the page's, or the forced one of a document being
    rendered (``force_locale``); English outside the app (the contract's language)."""
    return current_language() if has_app_context() else CONTRACT_LANGUAGE


def init_app(app: Flask) -> None:
    set_language_resolver(_text_language)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", CONTRACT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_language, timezone_selector=lambda: app.config["TIMEZONE"])
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        current_language=current_language,
        html_lang=lambda language=None: HTML_LANG[language or current_language()],
    )
