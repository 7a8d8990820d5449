"""The one way to read a number, an id or a line of text from a request (issue 13.2).

``str.isdigit()`` and ``\\d`` accept every Unicode digit (``²``, ``٣``), which ``int()`` then
refuses, and ``int()`` itself refuses strings over Python's 4,300-digit limit: both used to
surface as 500s. Everything that enters through a URL query, a form, a header or a JSON
body is read here instead: ASCII digits only, a bounded length, and ``None`` (or a clear
``ValueError`` subclass) for anything else, so callers answer 400 or 404 as fits.

Text: NUL and the other C0/C1 control characters (other than tab, line feed and carriage
return) are refused where text enters, with a message naming the character.

Depends on nothing but Django.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.deconstruct import deconstructible

# A database id fits a signed 64-bit integer: at most 19 digits (2**63 - 1 has 19).
ID_MAX = 2**63 - 1
_ASCII_NATURAL = re.compile(r"[0-9]{1,19}")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


class BadNumber(ValueError):
    """A value that is not a whole number within the bounds asked for (message is user-facing)."""


def parse_natural(value: object, *, maximum: int = ID_MAX) -> int | None:
    """A non-negative whole number written in ASCII digits (surrounding spaces allowed), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= maximum else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ASCII_NATURAL.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None


def parse_integer(value: object, *, minimum: int = -ID_MAX, maximum: int = ID_MAX) -> int | None:
    """A whole number (an optional sign, ASCII digits; an integral JSON float too), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer() or not -ID_MAX <= value <= ID_MAX:
            return None
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not _ASCII_INTEGER.fullmatch(text):
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    return value if minimum <= value <= maximum else None


def require_integer(value: object, *, minimum: int, maximum: int, what: str) -> int:
    """Like ``parse_integer``, raising ``BadNumber`` with a message that names ``what``."""
    number = parse_integer(value, minimum=minimum, maximum=maximum)
    if number is None:
        raise BadNumber(f"{what}: give a whole number from {minimum} to {maximum}.")
    return number


def id_or_404(value: object) -> int:
    """A row id from a request (query, form, header); anything else is a 404, never a 500."""
    number = parse_natural(value)
    if number is None or number == 0:
        raise Http404
    return number


# --- Text ----------------------------------------------------------------------------------

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def first_control_character(text: str) -> str | None:
    """The first C0/C1 control character (or lone surrogate) other than tab, LF and CR, or None."""
    for char in text:
        if char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def control_character_message(char: str) -> str:
    return f"This text contains a control character (U+{ord(char):04X}) that cannot be stored; remove it."


@deconstructible
class NoControlCharactersValidator:
    """Refuses NUL and other control characters (tab and line breaks are fine)."""

    code = "control_character"

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):
            return
        char = first_control_character(value)
        if char is not None:
            raise ValidationError(control_character_message(char), code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharactersValidator)

    def __hash__(self) -> int:
        return hash(self.code)


no_control_characters = NoControlCharactersValidator()
