"""Strict reading of the environment.

django-environ does the parsing; this wrapper makes every malformed value fail at
start-up with an ``ImproperlyConfigured`` that names the variable, instead of a bare
``ValueError`` deep in Django or, worse, a silent fallback (environ reads ``"maybe"``
as ``False`` for a boolean).
"""

from __future__ import annotations

import warnings
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_NOTSET: Any = environ.Env.NOTSET
SUPPORTED_DATABASE_ENGINES = {"django.db.backends.postgresql", "django.db.backends.sqlite3"}


class StrictEnv(environ.Env):
    """An ``environ.Env`` whose every parse error names the offending variable."""

    def get_value(self, var: str, cast: Any = None, default: Any = _NOTSET, parse_default: bool = False) -> Any:
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except Exception as exc:  # any parse failure becomes a named configuration error
            raise ImproperlyConfigured(f"{var}: cannot read {self.ENVIRON.get(var)!r} ({exc})") from exc

    def bool(self, var: str, default: Any = _NOTSET) -> bool:
        raw = self.ENVIRON.get(var)
        if raw is None:
            if default is _NOTSET:
                raise ImproperlyConfigured(f"{var}: required, set it to true or false")
            return bool(default)
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{var}: expected true/false (or 1/0), got {raw!r}")

    def positive_int(self, var: str, default: int) -> int:
        value = self.int(var, default=default)
        if value <= 0:
            raise ImproperlyConfigured(f"{var}: must be a positive whole number, got {value}")
        return value

    def url_value(self, var: str, default: str, schemes: tuple[str, ...]) -> str:
        value = self.str(var, default=default)
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{var}: expected a URL starting with one of {', '.join(s + '://' for s in schemes)} got {value!r}"
            )
        return value

    def time_zone(self, var: str, default: str) -> str:
        value = self.str(var, default=default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ImproperlyConfigured(f"{var}: unknown time zone {value!r}") from exc
        return value

    def database(self, var: str, default: str) -> dict[str, Any]:
        raw = self.str(var, default=default)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # environ warns on an unknown engine; we raise
                config = self.db_url_config(raw)
        except Exception as exc:
            raise ImproperlyConfigured(f"{var}: not a database URL: {raw!r} ({exc})") from exc
        if config.get("ENGINE") not in SUPPORTED_DATABASE_ENGINES:
            raise ImproperlyConfigured(
                f"{var}: expected postgres://user:pass@host:port/name or sqlite:////abs/path, got {raw!r}"
            )
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{var}: the URL names no database: {raw!r}")
        return config

    def email(self, var: str, default: str) -> dict[str, Any]:
        raw = self.str(var, default=default)
        try:
            return self.email_url_config(raw)
        except Exception as exc:
            raise ImproperlyConfigured(f"{var}: not an e-mail URL: {raw!r} ({exc})") from exc
