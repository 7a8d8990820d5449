"""The API's request parsers (DRF ``DEFAULT_PARSER_CLASSES``): bounded, shallow, printable.

DRF reads a JSON body from the socket itself, so Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
never applied to it, and a deeply nested document made ``json.loads`` raise
``RecursionError`` (a 500; issue 13.2). Here a body over the size limit is a 413, one
nested deeper than ``LAUREL_API_MAX_JSON_DEPTH`` a 400, and a string (or key) holding a
control character a 400 that names where it is.

Depends on festival.parsing only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from festival.parsing import control_character_message, first_control_character


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _max_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


def check_document(data: Any, *, max_depth: int) -> None:
    """Refuse a parsed document deeper than ``max_depth`` or holding a control character."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, Mapping | list):
            if depth > max_depth:
                raise ParseError(f"JSON nested deeper than {max_depth} levels.")
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, item in items:
                path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str):
                    _check_text(key, path)
                stack.append((item, depth + 1, path))
        elif isinstance(value, str):
            _check_text(value, where or "body")


def _check_text(text: str, where: str) -> None:
    char = first_control_character(text)
    if char is not None:
        raise ParseError({where or "body": [control_character_message(char)]})


class BoundedJSONParser(JSONParser):
    """JSON with a size and depth limit, its strings free of control characters."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        if stream is None:
            return None
        limit = _max_bytes()
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(body.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from exc
        check_document(data, max_depth=settings.LAUREL_API_MAX_JSON_DEPTH)
        return data


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class CheckedFormParser(FormParser):
    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        check_document(dict(data.lists()), max_depth=3)
        return data


class CheckedMultiPartParser(MultiPartParser):
    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        check_document(dict(parsed.data.lists()), max_depth=3)
        return parsed
