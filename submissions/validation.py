"""Field rules shared by the forms, the API serializers and the services (the last line)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django_countries import countries

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


def country_choices() -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-2 code, name) from django-countries, sorted by name in the active language."""
    return [(country.code, str(country.name)) for country in countries]


def country_name(code: str) -> str:
    return str(countries.name(code)) if code else ""


def validate_country(value: str) -> None:
    if value and (len(value) != 2 or value != value.upper() or not countries.name(value)):
        raise ValidationError(f"{value[:10]!r} is not a country code (ISO 3166-1 alpha-2, for example FR).")
