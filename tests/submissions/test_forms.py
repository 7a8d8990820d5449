"""Forms: runtime and language parsing, the credits formset, one AI-use form per stage."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from submissions.forms import AIUseForm, AttestationsForm, CreditFormSet, RuntimeField, SubmissionDetailsForm
from submissions.services import AIUseInput, CreditInput
from tests.factories import CategoryFactory, EditionFactory
from tests.submissions.factories import ai_tool


@pytest.mark.parametrize(
    ("typed", "seconds"), [("4:30", 270), ("270", 270), (" 0:05 ", 5), ("", None), ("240:00", 14400)]
)
def test_runtime_is_typed_as_minutes_and_seconds_or_seconds(typed: str, seconds: int | None) -> None:
    assert RuntimeField(required=False).clean(typed) == seconds


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-3", "Enter the runtime as minutes:seconds, for example 4:30."),
        ("4:75", "Seconds must be below 60, for example 4:30."),
        ("0", "Enter a runtime between 0:01 and 240:00."),
        ("240:01", "Enter a runtime between 0:01 and 240:00."),
        ("four minutes", "Enter the runtime as minutes:seconds, for example 4:30."),
        ("1" * 5000, "Enter the runtime as minutes:seconds, for example 4:30."),
    ],
)
def test_bad_runtimes_are_clear_errors(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RuntimeField(required=False).clean(typed)
    assert caught.value.messages == [message]


@pytest.mark.django_db
def test_details_form_parses_languages_and_limits_categories_to_the_edition() -> None:
    edition = EditionFactory.create()
    mine = CategoryFactory.create(edition=edition)
    other = CategoryFactory.create()
    data = {"title": "T", "languages": "EN; fr  en", "category": mine.pk, "country": "FR"}

    form = SubmissionDetailsForm(data, edition=edition)
    foreign = SubmissionDetailsForm({**data, "category": other.pk}, edition=edition)

    assert form.is_valid(), form.errors
    assert form.changes()["languages"] == ["en", "fr"]
    assert form.changes()["category"] == mine
    assert not foreign.is_valid()
    assert list(foreign.errors) == ["category"]


@pytest.mark.django_db
def test_details_form_has_no_category_field_without_categories() -> None:
    assert "category" not in SubmissionDetailsForm(edition=EditionFactory.create()).fields


def formset_data(rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "credits-TOTAL_FORMS": str(len(rows)),
        "credits-INITIAL_FORMS": "0",
        "credits-MIN_NUM_FORMS": "0",
        "credits-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        data.update({f"credits-{index}-{key}": value for key, value in row.items()})
    return data


def test_credits_formset_ignores_blank_and_removed_rows() -> None:
    formset = CreditFormSet(
        formset_data(
            [
                {"name": "Ada", "role": "director", "is_entrant": "on"},
                {"name": "", "role": ""},
                {"name": "Gone", "role": "cast", "DELETE": "on"},
            ]
        ),
        prefix="credits",
    )
    assert formset.is_valid(), formset.errors
    assert formset.credits() == [CreditInput(name="Ada", role="director", organization="", is_entrant=True)]


def test_credits_formset_needs_the_entrant() -> None:
    formset = CreditFormSet(formset_data([{"name": "Grace", "role": "cast"}]), prefix="credits")
    assert not formset.is_valid()
    assert formset.non_form_errors() == [
        "Mark the credit that is you (“This is me”): the entrant must be one of the team."
    ]


@pytest.mark.django_db
def test_ai_use_form_lists_typical_tools_first_and_builds_the_use() -> None:
    runway = ai_tool("runway")
    tools = list(type(runway).objects.all())
    form = AIUseForm(
        {"video-used": "on", "video-tool": str(runway.pk), "video-runtime_share_percent": "75"},
        stage="video",
        tools=tools,
    )
    assert form.is_valid(), form.errors
    assert form.use() == AIUseInput(stage="video", tool_id=runway.pk, runtime_share_percent=75)
    choices = form.fields["tool"].choices  # type: ignore[attr-defined]
    assert choices[1][0] == "Often used for video generation"
    assert (str(runway.pk), "Runway") in choices[1][1]
    assert choices[2][0] == "Other tools"
    assert "Midjourney" in [name for _pk, name in choices[2][1]]
    unticked = AIUseForm({"video-tool_other": "ignored"}, stage="video", tools=tools)
    assert unticked.is_valid() and unticked.use() is None


@pytest.mark.django_db
def test_attestations_form_words_each_statement_and_marks_the_required_ones() -> None:
    edition = EditionFactory.create(required_attestations=["rules"], minors_allowed=True)
    form = AttestationsForm({"rules": "on", "rights": ""}, edition=edition)
    assert form.is_valid()
    assert form.codes() == ["rules"]
    assert list(form.fields) == ["rights", "likeness_consent", "training_data", "rules"]
    assert form.fields["rules"].help_text == "Required to submit."
    assert form.fields["rights"].help_text == "Optional."


@pytest.mark.django_db
def test_the_country_list_is_django_countries_current_names_without_mojibake() -> None:
    edition = EditionFactory.create()
    choices = dict(SubmissionDetailsForm(edition=edition).fields["country"].choices)  # type: ignore[attr-defined]
    html = SubmissionDetailsForm(edition=edition)["country"].as_widget()

    assert (choices["CI"], choices["ST"], choices["SZ"], choices["CZ"]) == (
        "Côte d'Ivoire",
        "Sao Tome and Principe",
        "Eswatini",
        "Czechia",
    )
    assert choices["XK"] == "Kosovo"  # kept: entries made with the earlier list may carry it
    assert "Swaziland" not in html and "Ã" not in html
    assert len(choices) == 1 + 250  # "— choose —", ISO 3166-1's 249 and Kosovo
    assert SubmissionDetailsForm({"title": "T", "country": "SZ"}, edition=edition).is_valid()
    refused = SubmissionDetailsForm({"title": "T", "country": "ZZ"}, edition=edition)
    assert not refused.is_valid() and "country" in refused.errors
