"""The rights and consent statements an entrant makes, worded in exactly one place.

The text shown on the page, returned by the API and stored on each ``AttestationRecord``
comes from ``attestation_text``, so what the record says is what the entrant saw.
"""

from __future__ import annotations

from festival.models import Attestation, Edition


def attestation_text(code: str) -> str:
    """The statement for ``code`` as shown to the entrant (raises ValueError if unknown)."""
    return str(Attestation(code).label)


def applicable_attestations(edition: Edition) -> list[str]:
    """The statements an entrant of ``edition`` is asked to make, in a stable order.

    "No minors" only applies where the edition forbids minors.
    """
    codes = [code for code in Attestation.values if code != Attestation.NO_MINORS or not edition.minors_allowed]
    return codes


def required_attestations(edition: Edition) -> list[str]:
    """The statements that block submission until made."""
    required = set(edition.required_attestations or [])
    return [code for code in applicable_attestations(edition) if code in required]
