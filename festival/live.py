"""Live status for pages that poll (``static/laurel/live.js``): small JSON, ETag and 304.

A page marks the elements that change with ``data-live="<key>"``; its status endpoint
answers ``{"values": {key: value}, "active": bool}``. The script writes each value into its
element (a ``<progress>`` gets its value, anything else its text), polls again with a
growing delay while nothing changes, and stops once ``active`` is false. Each answer
carries a strong ETag of its body, so an unchanged status costs one or two indexed queries
and a bodiless 304, which is what 20,000 open dashboards mostly send.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

# The browser polls after this many seconds at first; live.js backs off up to the maximum.
POLL_FIRST_SECONDS = 3
POLL_MAX_SECONDS = 60


def live_response(request: HttpRequest, *, values: dict[str, Any], active: bool) -> HttpResponse:
    """The status as JSON, or 304 when the client's ETag still matches."""
    body = json.dumps({"values": values, "active": active}, sort_keys=True, separators=(",", ":"))
    etag = '"' + hashlib.blake2b(body.encode(), digest_size=12).hexdigest() + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"  # always revalidate; the ETag makes that cheap
    patch_vary_headers(response, ["Cookie"])
    return response
