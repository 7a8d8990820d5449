"""The two life-cycle steps an upload drives on its submission.

The submissions services own these transitions (``submissions.services.lifecycle``); until
that module lands on main this is a minimal private stand-in with the same signatures, so
the upload code calls one place and switching is a one-line import change.
"""

from __future__ import annotations

from django.db import transaction

from festival.models import User
from media.models import Film
from media.rules import FilmRules
from media.services import register_film
from submissions.models import Submission, SubmissionState


class UploadTransitionError(Exception):
    """The submission is not in a state that takes this upload step."""


@transaction.atomic
def mark_upload_started(*, submission_id: int, user: User) -> None:
    moved = Submission.objects.filter(
        pk=submission_id, entrant=user, state__in=[SubmissionState.DRAFT, SubmissionState.UPLOADED]
    ).update(state=SubmissionState.UPLOADING)
    if not moved:
        raise UploadTransitionError("This submission cannot take a new film now.")


@transaction.atomic
def attach_uploaded_film(
    *, submission_id: int, user: User, source_name: str, original_filename: str, size_bytes: int, sha256: str
) -> Film:
    submission = Submission.objects.select_related("edition").get(pk=submission_id, entrant=user)
    edition = submission.edition
    film = register_film(
        source_name=source_name,
        original_filename=original_filename,
        size_bytes=size_bytes,
        sha256=sha256,
        group_key=f"edition:{edition.pk}",
        rules=FilmRules(
            runtime_min_seconds=edition.runtime_min_seconds,
            runtime_max_seconds=edition.runtime_max_seconds,
            max_file_size_bytes=edition.max_file_size_bytes,
            allowed_containers=tuple(edition.allowed_containers or ()),
            min_short_side_px=edition.min_short_side_px,
        ),
    )
    moved = Submission.objects.filter(pk=submission_id, state=SubmissionState.UPLOADING).update(
        state=SubmissionState.UPLOADED, film=film
    )
    if not moved:
        raise UploadTransitionError("This submission is no longer waiting for a film.")
    return film
