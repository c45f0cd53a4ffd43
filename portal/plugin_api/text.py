"""Texts in the desk's two languages (contract 1.4): what a plugin says to people.

A :class:`Text` is a ``str`` whose value is its English: that is what is stored, compared, sorted,
sent by the API and used as a key, so code that treats it as data needs no change, and a plain
``str`` stays a valid one-language text. *Printing* it (``str()``, f-strings, ``%``, Jinja) gives
the language of the moment, which the portal installs with :func:`set_language_resolver` (the
default is English: the contract's language). A text without the language asked shows its English;
in a page (``__html__``) it is wrapped in ``<span lang="en" class="lang-fallback">`` so a reader sees
which words the plugin left untranslated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

#: The languages a plugin may speak to people: the desk's.
TEXT_LANGUAGES: tuple[str, ...] = ("en", "zh_CN")
#: The language of the contract: every text has it, and it is the one assumed for a plain ``str``.
BASE_LANGUAGE = "en"

_resolver: Callable[[], str] = lambda: BASE_LANGUAGE  # noqa: E731 - replaced by the portal at start


def set_language_resolver(resolver: Callable[[], str]) -> None:
    """The portal's: ``resolver()`` names the language of the moment (``"en"`` or ``"zh_CN"``)."""
    global _resolver
    _resolver = resolver


def current_text_language() -> str:
    """The language a :class:`Text` prints in now."""
    try:
        language = _resolver()
    except Exception:  # noqa: BLE001 - no context to ask: the contract's language
        return BASE_LANGUAGE
    return language if language in TEXT_LANGUAGES else BASE_LANGUAGE


class Text(str):
    """A user-facing text in English and, optionally, Simplified Chinese: ``Text(en=..., zh_CN=...)``.

    Immutable and hashable (by its English, like the ``str`` it is).
    """

    def __new__(cls, en: str, zh_CN: str | None = None) -> Text:
        if isinstance(en, Text):  # Text(text) is the same text
            en, zh_CN = str.__str__(en), zh_CN if zh_CN is not None else en.get("zh_CN")
        if not isinstance(en, str) or (zh_CN is not None and not isinstance(zh_CN, str)):
            raise TypeError("a Text's languages are strings")
        self = super().__new__(cls, en)
        object.__setattr__(self, "_zh_CN", zh_CN or None)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Text is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Text is immutable")

    # --- explicit use -----------------------------------------------------------------------

    @property
    def en(self) -> str:
        return str.__str__(self)

    @property
    def zh_CN(self) -> str | None:
        return self.__dict__["_zh_CN"]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this text is written in, English first."""
        return ("en", "zh_CN") if self.zh_CN else ("en",)

    def get(self, language: str) -> str | None:
        """The text in ``language`` exactly, or ``None`` when it is not written in it."""
        return self.en if language == "en" else self.zh_CN if language == "zh_CN" else None

    def in_language(self, language: str) -> str:
        """The text in ``language``, else its English (the visible fallback is the page's business)."""
        return self.get(language) or self.en

    def format(self, *args: Any, **kwargs: Any) -> Text:
        """``str.format`` in each language: the result is a Text again, and a Text among the
        values is put in each language in that language (a name, a label)."""

        def filled(template: str, language: str) -> str:
            def pick(value: Any) -> Any:
                return value.in_language(language) if isinstance(value, Text) else value

            return template.format(*map(pick, args), **{key: pick(value) for key, value in kwargs.items()})

        return Text(filled(self.en, "en"), filled(self.zh_CN, "zh_CN") if self.zh_CN else None)

    # --- printing ----------------------------------------------------------------------------

    def __str__(self) -> str:
        return self.in_language(current_text_language())

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __html__(self) -> str:
        language = current_text_language()
        if self.get(language) is not None:
            return escape(self.in_language(language), quote=True)
        return f'<span lang="en" class="lang-fallback">{escape(self.en, quote=True)}</span>'

    def __repr__(self) -> str:
        return f"Text(en={self.en!r}, zh_CN={self.zh_CN!r})"

    def __reduce__(self):
        return (Text, (self.en, self.zh_CN))

    def __copy__(self) -> Text:
        return self

    def __deepcopy__(self, memo) -> Text:
        return self

    # Jinja's case filters call these on the value: keep them in the language of the moment.
    def lower(self) -> str:
        return str(self).lower()

    def upper(self) -> str:
        return str(self).upper()

    def capitalize(self) -> str:
        return str(self).capitalize()


def in_languages(value: object, languages: Iterable[str], separator: str = " ") -> str:
    """``value`` in each of ``languages`` in turn, each version once (for bilingual documents:
    ``in_languages(service_name, ("zh_CN", "en"))`` gives "挂号小包 Registered Packet")."""
    if not isinstance(value, Text):
        return str.__str__(value) if isinstance(value, str) else str(value)
    return separator.join(dict.fromkeys(value.in_language(language) for language in languages))


def join_texts(texts: Iterable[str], separator: str = " ", zh_separator: str = "") -> Text:
    """Texts put one after the other, in each language; the result has Chinese only when every
    part has (a missing part must stay visible as a fallback, not hide inside a Chinese text)."""
    parts = [Text(text) for text in texts]
    chinese = None if any(part.zh_CN is None for part in parts) else zh_separator.join(p.zh_CN for p in parts)
    return Text(separator.join(part.en for part in parts), chinese)


def languages_of(value: object) -> tuple[str, ...]:
    """The languages a plugin text is written in: a plain ``str`` is English only."""
    return value.languages if isinstance(value, Text) else (BASE_LANGUAGE,)


def missing_languages(texts: Iterable[object], languages: Iterable[str]) -> list[str]:
    """The texts (their English) not written in every one of ``languages``; empty strings are skipped."""
    wanted = tuple(languages)
    return [
        str.__str__(text)
        for text in texts
        if isinstance(text, str) and text.strip() and any(lang not in languages_of(text) for lang in wanted)
    ]
