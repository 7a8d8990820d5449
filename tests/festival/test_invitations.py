"""Judges join through single-use, expiring invitations bound to the invited address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from festival import services
from festival.models import AuditEvent, JudgeInvitation, JudgeMembership
from notifications.models import Message
from tests.factories import EditionFactory, OrganizerFactory, UserFactory

pytestmark = pytest.mark.django_db


def token_of(issued: services.IssuedInvitation) -> str:
    return issued.url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def organizer_and_edition():
    membership = OrganizerFactory.create()
    edition = EditionFactory.create(festival=membership.festival)
    return membership.user, edition


def test_an_organizer_invites_a_judge_by_email(
    organizer_and_edition, django_capture_on_commit_callbacks, eager_celery
) -> None:
    organizer, edition = organizer_and_edition
    client = Client()
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/organize/editions/{edition.pk}/judges/", {"email": "Ada@Example.org"})

    assert response.status_code == 302
    invitation = JudgeInvitation.objects.get()
    assert invitation.email == "ada@example.org"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.org"]
    assert "/invitations/" in mail.outbox[0].body
    # Only a digest is stored: the token in the mail is not in the database.
    token = mail.outbox[0].body.split("/invitations/")[1].split("/")[0]
    assert invitation.token_digest != token and len(invitation.token_digest) == 64
    # The recorded message keeps no live link either: the sent copy was sealed, then dropped.
    message = Message.objects.get(event="judge.invitation")
    assert (message.state, message.to_address, message.sealed) == ("sent", "ada@example.org", "")
    assert token not in message.text and "(sent by e-mail only)" in message.text
    assert mail.outbox[0].subject == f"You are invited to judge {edition.name}"


def test_the_invited_person_accepts_once_and_becomes_a_judge(organizer_and_edition) -> None:
    organizer, edition = organizer_and_edition
    issued = services.invite_judge(edition=edition, email="ada@example.org", invited_by=organizer)
    judge = UserFactory.create(email="ada@example.org")
    client = Client()
    client.force_login(judge)

    response = client.post(f"/invitations/{token_of(issued)}/")

    assert response.status_code == 302 and response["Location"] == "/judge/"
    assert JudgeMembership.objects.filter(edition=edition, user=judge, is_active=True).count() == 1
    assert AuditEvent.objects.filter(action="judge.joined", actor=judge).count() == 1

    reused = client.post(f"/invitations/{token_of(issued)}/")
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()


def test_an_expired_invitation_is_refused_with_a_clear_message(organizer_and_edition) -> None:
    organizer, edition = organizer_and_edition
    issued = services.invite_judge(edition=edition, email="ada@example.org", invited_by=organizer)
    JudgeInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = Client()
    client.force_login(UserFactory.create(email="ada@example.org"))

    response = client.post(f"/invitations/{token_of(issued)}/")

    assert response.status_code == 410
    assert "This invitation expired." in response.content.decode()
    assert JudgeMembership.objects.count() == 0


def test_someone_else_cannot_use_the_invitation(organizer_and_edition) -> None:
    organizer, edition = organizer_and_edition
    issued = services.invite_judge(edition=edition, email="ada@example.org", invited_by=organizer)
    client = Client()
    client.force_login(UserFactory.create(email="mallory@example.org"))

    response = client.post(f"/invitations/{token_of(issued)}/")

    assert response.status_code == 403
    assert "you are signed in as mallory@example.org" in response.content.decode()
    assert JudgeMembership.objects.count() == 0
    assert JudgeInvitation.objects.get().accepted_at is None


def test_a_revoked_invitation_is_refused(organizer_and_edition) -> None:
    organizer, edition = organizer_and_edition
    issued = services.invite_judge(edition=edition, email="ada@example.org", invited_by=organizer)
    services.revoke_invitation(invitation=issued.invitation, actor=organizer)

    with pytest.raises(services.InvitationUnusable, match="withdrawn"):
        services.accept_invitation(token=token_of(issued), user=UserFactory.create(email="ada@example.org"))


def test_an_unknown_token_is_a_404_page_not_a_500() -> None:
    response = Client().get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_an_anonymous_visitor_is_asked_to_sign_in_with_the_invited_address(organizer_and_edition) -> None:
    organizer, edition = organizer_and_edition
    issued = services.invite_judge(edition=edition, email="ada@example.org", invited_by=organizer)

    response = Client().get(f"/invitations/{token_of(issued)}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "ada@example.org" in body and "/accounts/login/?next=" in body


def test_only_the_festivals_organizers_may_invite(organizer_and_edition) -> None:
    _organizer, edition = organizer_and_edition
    other_organizer = OrganizerFactory.create().user
    client = Client()
    client.force_login(other_organizer)

    response = client.post(f"/organize/editions/{edition.pk}/judges/", {"email": "x@example.org"})

    assert response.status_code == 404
    assert JudgeInvitation.objects.count() == 0


def test_a_malformed_email_is_a_form_error(organizer_and_edition) -> None:
    organizer, edition = organizer_and_edition
    client = Client()
    client.force_login(organizer)

    response = client.post(f"/organize/editions/{edition.pk}/judges/", {"email": "not an address"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert JudgeInvitation.objects.count() == 0
