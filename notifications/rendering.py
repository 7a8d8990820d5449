"""Message templates: ``{{ placeholder }}`` substitution, checked against the event's list.

Organizers write plain text; the HTML alternative is made from it (every value and every
character of the template escaped, paragraphs and links added), so an edited template can
never inject markup. A template that names an unknown placeholder is refused where it is
written (``check_template``), and ``render`` never raises for a template that passed it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.html import escape, linebreaks, urlize

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class TemplateProblem(ValueError):
    """A template names something it may not; ``message`` says what, for a form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def placeholders_in(template: str) -> list[str]:
    return [match.group(1) for match in _PLACEHOLDER.finditer(template)]


def check_template(template: str, allowed: Mapping[str, str]) -> None:
    """Raise ``TemplateProblem`` naming every unknown or malformed placeholder."""
    names = placeholders_in(template)
    bad = sorted({name for name in names if not _NAME.match(name) or name not in allowed})
    if bad:
        shown = ", ".join("{{ " + name + " }}" for name in bad)
        raise TemplateProblem(
            f"Unknown placeholder{'s' if len(bad) > 1 else ''} {shown}. Use one of: " + ", ".join(sorted(allowed)) + "."
        )
    rest = _PLACEHOLDER.sub("", template)
    if "{{" in rest or "}}" in rest:
        raise TemplateProblem("A placeholder is not closed: write it as {{ name }}.")


def substitute(template: str, context: Mapping[str, object]) -> str:
    """Replace each placeholder with its value (a missing value becomes empty text)."""
    return _PLACEHOLDER.sub(lambda match: _text(context.get(match.group(1), "")), template)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def text_to_html(text: str) -> str:
    """A safe HTML alternative of a plain-text body: escaped, paragraphs, links."""
    escaped = escape(text)
    return (
        '<!doctype html><html><body><div class="laurel-mail">'
        + urlize(linebreaks(escaped), nofollow=True, autoescape=False)
        + "</div></body></html>"
    )


def render(*, subject: str, body: str, context: Mapping[str, object]) -> Rendered:
    text = substitute(body, context)
    # A subject is one line: newlines in values would let a value add a header.
    one_line = " ".join(substitute(subject, context).split())
    return Rendered(subject=one_line[:300], text=text, html=text_to_html(text))
