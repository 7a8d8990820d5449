from __future__ import annotations

import pytest

from notifications import events
from notifications.rendering import TemplateProblem, check_template, render

RECEIPT = events.EVENTS[events.SUBMISSION_RECEIPT]


def test_every_default_template_uses_only_its_documented_placeholders() -> None:
    for event in events.EVENTS.values():
        check_template(event.subject, event.all_placeholders)
        check_template(event.body, event.all_placeholders)


def test_unknown_placeholder_is_named_in_the_error() -> None:
    with pytest.raises(TemplateProblem) as problem:
        check_template("Hi {{ recipient_name }}, {{ tittle }} and {{ title.upper }}", RECEIPT.all_placeholders)
    assert problem.value.message.startswith("Unknown placeholders {{ title.upper }}, {{ tittle }}. Use one of: ")
    with pytest.raises(TemplateProblem, match="not closed"):
        check_template("Hi {{ recipient_name }", RECEIPT.all_placeholders)


def test_html_alternative_escapes_template_and_values() -> None:
    rendered = render(
        subject="New: {{ title }}\nBcc: x@evil.test",
        body="<b>{{ title }}</b>\n\nSee https://festival.test/s/1/",
        context={"title": "<script>alert(1)</script>"},
    )
    assert rendered.subject == "New: <script>alert(1)</script> Bcc: x@evil.test"
    assert rendered.text == "<b><script>alert(1)</script></b>\n\nSee https://festival.test/s/1/"
    assert "&lt;b&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/b&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert '<a href="https://festival.test/s/1/" rel="nofollow">https://festival.test/s/1/</a>' in rendered.html
