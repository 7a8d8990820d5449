"""Every event Laurel tells a person about: its name, who receives it, its default text.

Other apps pass the event name (one of the constants below) to
``notifications.services.notify`` with a ``context`` holding the event's placeholders.
Templates use ``{{ placeholder }}``; every event also has the common placeholders in
``COMMON_PLACEHOLDERS``. An *essential* message always goes (receipts, results, account,
anything that asks the person to act); the others can be turned off by the recipient and
carry a one-click unsubscribe header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Entrants ----------------------------------------------------------------------------
FILM_RECEIVED = "entrant.film_received"
FILM_READY = "entrant.film_ready"
FILM_FAILED = "entrant.film_failed"
SUBMISSION_RECEIPT = "entrant.submission_receipt"
SUBMISSION_WITHDRAWN = "entrant.withdrawn"
SUBMISSION_DISQUALIFIED = "entrant.disqualified"
DRAFT_REMINDER = "entrant.draft_reminder"
RESULT_ANNOUNCED = "entrant.result"
RESULT_CORRECTED = "entrant.result_corrected"
# --- Judges ------------------------------------------------------------------------------
JUDGE_INVITATION = "judge.invitation"
ASSIGNMENTS_READY = "judge.assignments_ready"
SCORING_REMINDER = "judge.scoring_reminder"
ROUND_CHANGED = "judge.round_changed"
FINAL_BALLOT_OPEN = "judge.final_ballot_open"
# --- Organizers --------------------------------------------------------------------------
DAILY_DIGEST = "organizer.daily_digest"
ROUND_COMPLETE = "organizer.round_complete"
JOB_FAILED = "organizer.job_failed"
# --- Written by an organizer in the outbox -------------------------------------------------
BROADCAST = "outbox.broadcast"

COMMON_PLACEHOLDERS: dict[str, str] = {
    "recipient_name": "The recipient's name (or e-mail address when no name is set).",
    "site_name": "The platform's name.",
    "site_url": "The platform's address.",
    "festival_name": "The festival's name (empty for messages outside an edition).",
    "edition_name": "The edition's name (empty for messages outside an edition).",
    "preferences_url": "The recipient's notifications page, where they choose what they receive.",
}

_SIGNATURE = "\n\n— {{ festival_name }} on {{ site_name }}\n{{ site_url }}\n"


@dataclass(frozen=True)
class Event:
    name: str
    audience: str  # "entrant", "judge", "organizer" or "anyone"
    label: str
    essential: bool
    subject: str
    body: str
    placeholders: dict[str, str] = field(default_factory=dict)

    @property
    def all_placeholders(self) -> dict[str, str]:
        return {**COMMON_PLACEHOLDERS, **self.placeholders}


_SUBMISSION = {
    "title": "The film's title.",
    "reference": "The submission's reference number (e.g. AIFF27-000123).",
    "submission_url": "The entrant's page for this submission.",
}
_ROUND = {
    "round_name": "The round's name.",
    "closes_at": "When the round closes, in the edition's time zone.",
    "queue_url": "The judge's queue for this round.",
}

EVENTS: dict[str, Event] = {
    event.name: event
    for event in (
        Event(
            FILM_RECEIVED,
            "entrant",
            "Film received",
            essential=False,
            subject="We received your film “{{ title }}”",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "Your film file {{ filename }} for “{{ title }}” arrived in full. We are now preparing it "
                "for the jury: making the versions they will watch and checking it against "
                "{{ edition_name }}'s rules. We will write again when it is ready, or if anything needs "
                "your attention.\n\n"
                "Follow its progress: {{ submission_url }}\nReference: {{ reference }}" + _SIGNATURE
            ),
            placeholders={**_SUBMISSION, "filename": "The uploaded file's name."},
        ),
        Event(
            FILM_READY,
            "entrant",
            "Film processed",
            essential=True,
            subject="“{{ title }}” is ready for the jury",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "Your film “{{ title }}” has been processed. This is what the judges will see:\n\n"
                "{{ judges_see }}\n\n"
                "If that is right and your entry is complete, submit it before the deadline: "
                "{{ submission_url }}\nReference: {{ reference }}" + _SIGNATURE
            ),
            placeholders={
                **_SUBMISSION,
                "judges_see": "What the jury will see: runtime, picture size, sound, and any technical notes.",
            },
        ),
        Event(
            FILM_FAILED,
            "entrant",
            "Film processing failed",
            essential=True,
            subject="Action needed: we could not process “{{ title }}”",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "We could not prepare your film “{{ title }}” for the jury.\n\n"
                "What went wrong: {{ reason }}\n\n"
                "What to do: {{ what_to_do }}\n\n"
                "Your entry and everything you filled in are kept: {{ submission_url }}\n"
                "Reference: {{ reference }}" + _SIGNATURE
            ),
            placeholders={
                **_SUBMISSION,
                "reason": "The exact reason processing failed.",
                "what_to_do": "What the entrant can do about it.",
            },
        ),
        Event(
            SUBMISSION_RECEIPT,
            "entrant",
            "Submission receipt",
            essential=True,
            subject="Receipt: “{{ title }}” is submitted to {{ edition_name }} ({{ reference }})",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "Thank you. Your film is submitted to {{ edition_name }}. Keep this receipt.\n\n"
                "Reference:     {{ reference }}\n"
                "Title:         {{ title }}\n"
                "Runtime:       {{ runtime }}\n"
                "Submitted at:  {{ submitted_at }}\n\n"
                "AI disclosure:\n{{ ai_disclosure }}\n\n"
                "Statements you made:\n{{ statements }}\n\n"
                "Your submission: {{ submission_url }}" + _SIGNATURE
            ),
            placeholders={
                **_SUBMISSION,
                "runtime": "The film's runtime (e.g. 4 min 12 s).",
                "submitted_at": "When it was submitted, in the edition's time zone.",
                "ai_disclosure": "The entrant's AI-usage declaration, one production stage per line.",
                "statements": "The attestations the entrant made, one per line.",
            },
        ),
        Event(
            SUBMISSION_WITHDRAWN,
            "entrant",
            "Submission withdrawn",
            essential=True,
            subject="“{{ title }}” was withdrawn from {{ edition_name }}",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "Your submission “{{ title }}” ({{ reference }}) was withdrawn on {{ withdrawn_at }}. "
                "It will not be judged. If you did not mean to withdraw it, reply to the festival "
                "before the deadline." + _SIGNATURE
            ),
            placeholders={**_SUBMISSION, "withdrawn_at": "When it was withdrawn, in the edition's time zone."},
        ),
        Event(
            SUBMISSION_DISQUALIFIED,
            "entrant",
            "Submission disqualified",
            essential=True,
            subject="“{{ title }}” was disqualified from {{ edition_name }}",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "The festival disqualified your submission “{{ title }}” ({{ reference }}).\n\n"
                "Reason given: {{ reason }}\n\n"
                "If you believe this is a mistake, contact the festival and quote the reference "
                "above." + _SIGNATURE
            ),
            placeholders={**_SUBMISSION, "reason": "The reason the organizers gave."},
        ),
        Event(
            DRAFT_REMINDER,
            "entrant",
            "Deadline reminder for drafts",
            essential=False,
            subject="{{ time_left }} left to submit “{{ title }}”",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "Your entry “{{ title }}” to {{ edition_name }} is still a draft. Submissions close "
                "{{ deadline }} ({{ time_left }} from now). A draft is not judged.\n\n"
                "Finish and submit it: {{ submission_url }}" + _SIGNATURE
            ),
            placeholders={
                **_SUBMISSION,
                "deadline": "The deadline, in the edition's time zone.",
                "time_left": "How long is left (e.g. 3 days, 24 hours).",
            },
        ),
        Event(
            RESULT_ANNOUNCED,
            "entrant",
            "Result announced",
            essential=True,
            subject="{{ edition_name }}: the result for “{{ title }}”",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "The results of {{ edition_name }} are out. Your film “{{ title }}”: {{ outcome }}.\n\n"
                "{{ details }}\n\nSee it on your submission's page: {{ submission_url }}" + _SIGNATURE
            ),
            placeholders={
                **_SUBMISSION,
                "outcome": "The film's outcome (e.g. Finalist, Gold, not advanced).",
                "details": "What comes with it: feedback, laurels, next steps.",
            },
        ),
        Event(
            RESULT_CORRECTED,
            "entrant",
            "Result corrected",
            essential=True,
            subject="{{ edition_name }}: a correction to the result for “{{ title }}”",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "The festival corrected the result it announced for “{{ title }}”. It is now: "
                "{{ outcome }}.\n\n{{ details }}\n\nYour submission: {{ submission_url }}" + _SIGNATURE
            ),
            placeholders={
                **_SUBMISSION,
                "outcome": "The corrected outcome.",
                "details": "What changed and why.",
            },
        ),
        Event(
            JUDGE_INVITATION,
            "judge",
            "Judge invitation",
            essential=True,
            subject="You are invited to judge {{ edition_name }}",
            body=(
                "Hello,\n\n"
                "{{ invited_by }} invites you to sit on the jury of {{ edition_name }}.\n\n"
                "Accept the invitation (sign in or create an account with this e-mail address):\n"
                "{{ invitation_url }}\n\n"
                "The link works once and expires {{ expires_at }}. If you did not expect this, "
                "ignore this e-mail." + _SIGNATURE
            ),
            placeholders={
                "invited_by": "The organizer who sent the invitation.",
                "invitation_url": "The single-use invitation link.",
                "expires_at": "When the link expires, in the edition's time zone.",
            },
        ),
        Event(
            ASSIGNMENTS_READY,
            "judge",
            "Assignments ready",
            essential=True,
            subject="{{ round_name }} is open: {{ count }} films to judge",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "{{ round_name }} of {{ edition_name }} is open and {{ count }} films are waiting in "
                "your queue. Scoring closes {{ closes_at }}.\n\n"
                "Start judging: {{ queue_url }}" + _SIGNATURE
            ),
            placeholders={**_ROUND, "count": "How many entries were assigned to the judge."},
        ),
        Event(
            SCORING_REMINDER,
            "judge",
            "Scoring reminder",
            essential=False,
            subject="{{ round_name }}: {{ remaining }} left to score, {{ time_left }} to go",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "{{ round_name }} of {{ edition_name }} closes {{ closes_at }} ({{ time_left }} from now). "
                "You have {{ remaining }} of {{ count }} entries left to score.\n\n"
                "Continue: {{ queue_url }}" + _SIGNATURE
            ),
            placeholders={
                **_ROUND,
                "remaining": "Entries the judge has not submitted a score for.",
                "count": "Entries assigned to the judge.",
                "time_left": "How long until the round closes.",
            },
        ),
        Event(
            ROUND_CHANGED,
            "judge",
            "Round reopened or deadline moved",
            essential=True,
            subject="{{ round_name }}: {{ change }}",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "{{ round_name }} of {{ edition_name }}: {{ change }}. Scoring now closes "
                "{{ closes_at }}.\n\nYour queue: {{ queue_url }}" + _SIGNATURE
            ),
            placeholders={**_ROUND, "change": "What changed (e.g. the round reopened, the deadline moved)."},
        ),
        Event(
            FINAL_BALLOT_OPEN,
            "judge",
            "Final ballot open",
            essential=True,
            subject="{{ edition_name }}: the final ballot is open",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "The finalists of {{ edition_name }} are chosen and the final ballot is open. "
                "{{ instructions }}\n\nCast your ballot: {{ ballot_url }}" + _SIGNATURE
            ),
            placeholders={
                "ballot_url": "The juror's final ballot.",
                "instructions": "How the final is voted (rank or compare the finalists).",
            },
        ),
        Event(
            DAILY_DIGEST,
            "organizer",
            "Daily digest",
            essential=False,
            subject="{{ edition_name }} on {{ date }}: {{ new_submissions }} new submissions",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "{{ edition_name }}, the day of {{ date }}:\n\n"
                "New submissions: {{ new_submissions }} (total {{ total_submissions }})\n\n"
                "Processing failures by reason:\n{{ failures }}\n\n"
                "New AI consistency flags: {{ flags }}\n\n"
                "Judging progress:\n{{ judging_progress }}\n\n"
                "Open the console: {{ console_url }}" + _SIGNATURE
            ),
            placeholders={
                "date": "The day the digest covers, in the edition's time zone.",
                "new_submissions": "Submissions made that day.",
                "total_submissions": "Submissions so far.",
                "failures": "Processing failures that day, one reason per line with its count.",
                "flags": "AI consistency flags raised that day.",
                "judging_progress": "Per open round: scores submitted of scores assigned.",
                "console_url": "The organizer console.",
            },
        ),
        Event(
            ROUND_COMPLETE,
            "organizer",
            "All judges finished a round",
            essential=False,
            subject="{{ edition_name }}: every judge has finished {{ round_name }}",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "All {{ judges }} judges of {{ round_name }} have submitted every score assigned to them. "
                "You can review the results and advance: {{ round_url }}" + _SIGNATURE
            ),
            placeholders={
                "round_name": "The round's name.",
                "judges": "How many judges the round has.",
                "round_url": "The organizer's page of the round.",
            },
        ),
        Event(
            JOB_FAILED,
            "organizer",
            "A job failed after all retries",
            essential=True,
            subject="{{ edition_name }}: {{ what }} failed and needs a person",
            body=(
                "Hello {{ recipient_name }},\n\n"
                "{{ what }} failed after {{ attempts }} attempts and will not be retried "
                "automatically.\n\nReason: {{ reason }}\n\nLook at it: {{ url }}" + _SIGNATURE
            ),
            placeholders={
                "what": "What failed (e.g. processing of “Title”).",
                "attempts": "How many attempts were made.",
                "reason": "The last error.",
                "url": "Where to look at it.",
            },
        ),
        Event(
            BROADCAST,
            "anyone",
            "Message from the organizers",
            essential=False,
            subject="{{ edition_name }}",
            body="Hello {{ recipient_name }},\n\n" + _SIGNATURE,
            placeholders={},
        ),
    )
}


def get_event(name: str) -> Event:
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(f"unknown notification event {name!r}") from None
