from __future__ import annotations

import pytest
from django.test import Client

from festival.models import User
from tests.factories import UserFactory
from tests.submissions.factories import seed_ai_tools


@pytest.fixture
def entrant(db: None) -> User:
    return UserFactory.create(full_name="Ada Lovelace")


@pytest.fixture
def entrant_client(entrant: User) -> Client:
    client = Client()
    client.force_login(entrant)
    return client


@pytest.fixture
def ai_tools(db: None) -> None:
    seed_ai_tools()
