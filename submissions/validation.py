"""Field rules shared by the forms, the API serializers and the services (the last line)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from submissions.countries import COUNTRY_CODES

MAX_LANGUAGES = 12
_LANGUAGE = re.compile(r"^[a-z]{2}$")
NO_LINGUISTIC_CONTENT = "zxx"  # ISO 639-2: a film with no spoken or written language


def normalize_languages(values: Iterable[str]) -> list[str]:
    """Lower-cased, de-duplicated ISO 639-1 codes in the order given; ValidationError if any is not one."""
    seen: list[str] = []
    for raw in values:
        code = raw.strip().lower()
        if not code:
            continue
        if not (_LANGUAGE.match(code) or code == NO_LINGUISTIC_CONTENT):
            raise ValidationError(
                f"{raw.strip()[:20]!r} is not a two-letter language code"
                " (ISO 639-1, for example en or fr; zxx for none)."
            )
        if code not in seen:
            seen.append(code)
    if len(seen) > MAX_LANGUAGES:
        raise ValidationError(f"List at most {MAX_LANGUAGES} languages.")
    return seen


def validate_country(value: str) -> None:
    if value and value not in COUNTRY_CODES:
        raise ValidationError(f"{value[:10]!r} is not a country code (ISO 3166-1 alpha-2, for example FR).")
