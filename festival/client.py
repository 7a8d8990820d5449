"""The client's address: one function for rate limits and audit rows alike.

Behind a proxy ``REMOTE_ADDR`` is the proxy's address, so audit rows recorded it and
allauth's per-address login limit was one limit for everyone (issue 13.5). The address is
read the way allauth reads it for its rate limits: from ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``
when set (a header the proxy overwrites, e.g. ``X-Real-IP``), else the entry
``ALLAUTH_TRUSTED_PROXY_COUNT`` from the right of ``X-Forwarded-For``, else ``REMOTE_ADDR``.
Nothing else a client sends is trusted.

Depends on nothing but Django and allauth.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the trusted proxy set-up says, or None when it cannot be told."""
    try:
        ip: str = get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None
    return ip
