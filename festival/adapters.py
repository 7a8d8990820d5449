"""allauth hooks: one account per lower-cased address; e-mails name the configured site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class ConfiguredSite:
    """What allauth's e-mails call ``current_site``: LAUREL_SITE_NAME and LAUREL_SITE_URL's host,
    instead of the sites framework's row (``example.com`` unless someone edits it)."""

    name: str
    domain: str

    @classmethod
    def from_settings(cls) -> ConfiguredSite:
        return cls(name=settings.LAUREL_SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        return super().clean_email(email).strip().lower()

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.LAUREL_SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": ConfiguredSite.from_settings()})
