"""Accounts: e-mail sign-up with verification, login limits, session rotation, roles."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from festival.models import User
from tests.factories import PASSWORD, EditionFactory, JudgeFactory, OrganizerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    cache.clear()


def test_sign_up_sends_a_verification_email_and_blocks_login_until_verified() -> None:
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {"email": "New@Example.org", "password1": "a-long-pass-phrase-7", "password2": "a-long-pass-phrase-7"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "new@example.org"
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mail.outbox) == 1 and "/accounts/confirm-email/" in mail.outbox[0].body

    login = Client().post("/accounts/login/", {"login": "new@example.org", "password": "a-long-pass-phrase-7"})
    assert login.status_code == 302 and login["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in Client().session


SIGNUP = {"password1": "a-long-pass-phrase-7", "password2": "a-long-pass-phrase-7"}


def test_sign_up_answers_the_same_whether_the_address_is_taken() -> None:
    """Issue 13.5: sign-up no longer tells who has an account; the owner gets an e-mail instead."""
    UserFactory.create(email="taken@example.org")

    taken = Client().post("/accounts/signup/", {"email": "TAKEN@example.org", **SIGNUP})
    fresh = Client().post("/accounts/signup/", {"email": "fresh@example.org", **SIGNUP})

    assert (
        (taken.status_code, taken["Location"])
        == (fresh.status_code, fresh["Location"])
        == (
            302,
            "/accounts/confirm-email/",
        )
    )
    assert User.objects.filter(email="taken@example.org").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["fresh@example.org", "taken@example.org"]
    assert "already" in next(m for m in mail.outbox if m.to == ["taken@example.org"]).body


def test_password_reset_answers_the_same_whether_the_address_exists() -> None:
    UserFactory.create(email="known@example.org")

    known = Client().post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.status_code == 302


def _fail_login(email: str, *, client_address: str) -> int:
    response = Client(HTTP_X_REAL_IP=client_address, REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/", {"login": email, "password": "wrong-password"}
    )
    return response.status_code


def _login(email: str, *, client_address: str) -> tuple[int, str]:
    response = Client(HTTP_X_REAL_IP=client_address, REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/", {"login": email, "password": PASSWORD}
    )
    return response.status_code, response.content.decode()


@override_settings(
    ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,5/5m/key"}, ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP"
)
def test_behind_a_proxy_one_address_failing_locks_out_only_that_address() -> None:
    """Issue 13.5: with every request from the proxy (REMOTE_ADDR), 10 failures locked out everyone."""
    UserFactory.create(email="victim@example.org")
    for index in range(10):
        _fail_login(f"someone{index}@example.org", client_address="203.0.113.9")

    status, body = _login("victim@example.org", client_address="203.0.113.9")
    assert status == 200 and "Too many failed login attempts" in body
    assert _login("victim@example.org", client_address="198.51.100.7")[0] == 302


@override_settings(
    ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,5/5m/key"}, ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP"
)
def test_failures_against_one_account_from_many_addresses_lock_only_that_account() -> None:
    for email in ("target@example.org", "bystander@example.org"):
        UserFactory.create(email=email)
    for index in range(5):
        _fail_login("target@example.org", client_address=f"192.0.2.{index + 1}")

    status, body = _login("target@example.org", client_address="198.51.100.8")
    assert status == 200 and "Too many failed login attempts" in body
    assert _login("bystander@example.org", client_address="192.0.2.1")[0] == 302


@override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP")
def test_audit_rows_record_the_clients_address_from_the_trusted_header_only() -> None:
    from django.test import RequestFactory

    from festival.client import client_ip

    request = RequestFactory().get("/", HTTP_X_REAL_IP="203.0.113.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "203.0.113.5"
    with override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER=None, ALLAUTH_TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "127.0.0.1"  # nothing the client sends is trusted
    with override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER=None, ALLAUTH_TRUSTED_PROXY_COUNT=1):
        proxied = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.6")
        assert client_ip(proxied) == "203.0.113.6"


def test_login_rotates_the_session_key() -> None:
    user = UserFactory.create(email="judge@example.org")
    client = Client()
    client.get("/accounts/login/")
    anonymous_key = client.session.session_key or client.cookies["sessionid"].value

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.session_key != anonymous_key


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,3/5m/key"})
def test_a_login_storm_is_rate_limited_with_a_clear_message() -> None:
    user = UserFactory.create(email="target@example.org")
    client = Client()
    statuses = [
        client.post("/accounts/login/", {"login": user.email, "password": f"wrong-{i}"}).status_code for i in range(3)
    ]

    blocked = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert statuses == [200, 200, 200]
    assert blocked.status_code == 200
    assert "Too many failed login attempts. Try again later." in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_after_login_each_role_lands_on_its_own_page() -> None:
    organizer = OrganizerFactory.create().user
    judge = JudgeFactory.create().user
    entrant = UserFactory.create()
    landing = {}
    for name, user in (("organizer", organizer), ("judge", judge), ("entrant", entrant)):
        client = Client()
        client.force_login(user)
        landing[name] = client.get("/start/")["Location"]

    assert landing == {"organizer": "/organize/", "judge": "/judge/", "entrant": "/me/"}


def test_signing_in_through_the_form_lands_each_role_on_its_own_page() -> None:
    """The sign-in form itself (not only /start/): organizers to the console, judges to the queue."""
    organizer = OrganizerFactory.create().user
    judge = JudgeFactory.create().user
    entrant = UserFactory.create()
    landing = {}
    for name, user in (("organizer", organizer), ("judge", judge), ("entrant", entrant)):
        response = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD}, follow=True)
        landing[name] = response.redirect_chain[-1][0]

    assert landing == {"organizer": "/organize/", "judge": "/judge/", "entrant": "/me/"}


def test_navigation_shows_only_the_roles_a_person_has(django_assert_max_num_queries) -> None:
    judge = JudgeFactory.create().user
    client = Client()
    client.force_login(judge)

    with django_assert_max_num_queries(8):
        body = client.get("/me/").content.decode()

    assert 'href="/judge/"' in body
    assert 'href="/organize/"' not in body


def test_pages_for_a_role_are_404_for_everyone_else() -> None:
    entrant = UserFactory.create()
    client = Client()
    client.force_login(entrant)

    assert client.get("/organize/").status_code == 404
    assert client.get("/judge/").status_code == 404
    assert Client().get("/me/")["Location"].startswith("/accounts/login/")


def test_the_home_page_lists_open_calls_in_their_time_zone(django_assert_max_num_queries) -> None:
    EditionFactory.create(name="AIFF 2027", time_zone="America/New_York")
    EditionFactory.create(name="AIFF Tokyo", time_zone="Asia/Tokyo")

    with django_assert_max_num_queries(4):
        body = Client().get("/").content.decode()

    assert "AIFF 2027" in body and "(America/New_York)" in body
    assert "AIFF Tokyo" in body and "(Asia/Tokyo)" in body


def test_the_organizer_console_links_each_edition_to_its_work(django_assert_max_num_queries) -> None:
    organizer = OrganizerFactory.create()
    editions = [EditionFactory.create(festival=organizer.festival) for _ in range(3)]
    client = Client()
    client.force_login(organizer.user)

    with django_assert_max_num_queries(8):
        body = client.get("/organize/").content.decode()

    for edition in editions:
        assert f'href="/organize/editions/{edition.pk}/judges/"' in body
        assert f'href="/admin/submissions/submission/?edition__id__exact={edition.pk}"' in body
        assert f'href="/admin/judging/round/?edition__id__exact={edition.pk}"' in body
        assert f'href="/organize/editions/{edition.pk}/results/"' in body
