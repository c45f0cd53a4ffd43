"""The password policy (OWASP ASVS level 2, V2.1): at least 12 characters, up to 128, any
characters (no composition rules, spaces and Chinese welcome), not one of the common passwords
shipped with the portal, not the user name. Hashing is Werkzeug's scrypt."""

from __future__ import annotations

import gzip
import unicodedata
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_LIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as stream:
        return frozenset(line.strip() for line in stream if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be used, or None."""
    password = unicodedata.normalize("NFC", password or "")
    if len(password) < MIN_LENGTH:
        return _("at least %(count)s characters (a few words make a good one)", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("at most %(count)s characters", count=MAX_LENGTH)
    folded = password.casefold()
    if folded in common_passwords() or folded.strip() in common_passwords():
        return _("this is one of the most common passwords, which attackers try first; choose another")
    if username and username.casefold() in folded:
        return _("must not contain the user name")
    if len(set(password)) < 3:
        return _("repeats too few characters; choose another")
    return None
