"""tus 1.0.0 over HTTP: core, creation, expiration, checksum (sha1, sha256), termination.

``POST /api/uploads/`` creates an upload for the submission named in Upload-Metadata
(``submission``); ``HEAD``/``PATCH``/``DELETE /api/uploads/<uuid>`` report, append to and
end it. Session-authenticated like the rest of the API (the page sends X-CSRFToken). The
PATCH body is never parsed or buffered: the service reads it from the socket in fixed-size
chunks into the storage API.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from festival.models import User
from festival.parsing import parse_natural
from submissions.models import Upload, UploadState
from submissions.uploads import services
from submissions.uploads.protocol import (
    CHECKSUM_ALGORITHMS,
    TUS_EXTENSIONS,
    TUS_VERSION,
    UPLOAD_CONTENT_TYPE,
    TusError,
    http_date,
    parse_checksum,
    parse_int_header,
    parse_metadata,
)

TUS_HEADERS = [
    OpenApiParameter("Tus-Resumable", str, OpenApiParameter.HEADER, required=True, enum=[TUS_VERSION]),
]
TAGS = ["uploads (tus 1.0.0)"]


def _error_response(error: TusError) -> HttpResponse:
    response = HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    response["X-Laurel-Error"] = error.code
    if error.status == 412:
        response["Tus-Version"] = TUS_VERSION
    return response


def _encode_metadata(upload: Upload) -> str:
    pairs = {"filename": upload.original_filename, "filetype": upload.filetype}
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in pairs.items() if value)


def _upload_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length), "Cache-Control": "no-store"}
    if upload.state != UploadState.COMPLETE:
        headers["Upload-Expires"] = http_date(upload.expires_at)
    return headers


class TusView(APIView):
    """What every tus endpoint shares: the version check, error mapping, common headers."""

    permission_classes = [IsAuthenticated]
    parser_classes: list[Any] = []  # the body is streamed by the service, never parsed

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # tus clients that cannot send PATCH/DELETE tunnel them through POST.
        override = request.headers.get("X-HTTP-Method-Override", "").upper()
        if request.method == "POST" and override in {"PATCH", "DELETE", "HEAD"}:
            request.method = override
        return super().initialize_request(request, *args, **kwargs)

    def check_permissions(self, request: Request) -> None:
        if request.method == "OPTIONS":
            return  # discovery is public, like the protocol expects
        super().check_permissions(request)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise TusError(412, f"This server speaks tus {TUS_VERSION}; send Tus-Resumable: {TUS_VERSION}.")

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, TusError):
            return _error_response(exc)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        return response

    @extend_schema(
        tags=TAGS,
        summary="tus discovery",
        description="Answers with Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm.",
        responses={204: OpenApiResponse(description="Capabilities in the headers.")},
    )
    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        headers = {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(TUS_EXTENSIONS),
            "Tus-Max-Size": str(settings.LAUREL_UPLOAD_QUOTA_BYTES),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        }
        return Response(status=204, headers=headers)

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated ran
        return user


class UploadCreateView(TusView):
    @extend_schema(
        tags=TAGS,
        summary="Create an upload (tus creation)",
        description=(
            "Upload-Length: total bytes. Upload-Metadata: `submission` (the submission id, required), "
            "`filename`, `filetype`, base64-encoded. 413 when Upload-Length exceeds the edition's limit, "
            "403 after the deadline or over the quota, 415 for a file type the edition does not take. "
            "Then `HEAD /api/uploads/{upload_id}` answers Upload-Offset, Upload-Length and Upload-Expires "
            "(404 for an unknown or another user's upload, 410 once expired); `OPTIONS` lists the "
            "server's tus version, extensions, Tus-Max-Size and checksum algorithms."
        ),
        parameters=[
            *TUS_HEADERS,
            OpenApiParameter("Upload-Length", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Metadata", str, OpenApiParameter.HEADER, required=True),
        ],
        request=None,
        responses={201: OpenApiResponse(description="Location: the upload URL; Upload-Expires.")},
    )
    def post(self, request: Request) -> HttpResponse:
        if "Upload-Defer-Length" in request.headers:
            raise TusError(400, "Upload-Defer-Length is not supported; send Upload-Length.")
        length = parse_int_header(request.headers.get("Upload-Length"), "Upload-Length")
        metadata = parse_metadata(request.headers.get("Upload-Metadata"))
        submission_id = parse_natural(metadata.get("submission", ""))
        if submission_id is None:
            raise TusError(400, "Upload-Metadata must name the submission (key 'submission', its id in digits).")
        upload = services.create_upload(user=self.user, submission_id=submission_id, length=length, metadata=metadata)
        response = HttpResponse(status=201)
        response["Location"] = request.build_absolute_uri(reverse("submissions:tus-upload", args=[upload.pk]))
        response["Upload-Expires"] = http_date(upload.expires_at)
        response["Upload-Offset"] = "0"
        return response


class UploadDetailView(TusView):
    @extend_schema(
        tags=TAGS,
        summary="Offset of an upload",
        parameters=TUS_HEADERS,
        responses={
            200: OpenApiResponse(description="Upload-Offset, Upload-Length, Upload-Expires."),
            404: OpenApiResponse(description="No such upload (or another user's)."),
            410: OpenApiResponse(description="Expired."),
        },
    )
    def head(self, request: Request, upload_id: UUID) -> HttpResponse:
        upload = services.get_upload(upload_id=upload_id, user=self.user)
        response = HttpResponse(status=200)
        for key, value in _upload_headers(upload).items():
            response[key] = value
        if metadata := _encode_metadata(upload):
            response["Upload-Metadata"] = metadata
        return response

    @extend_schema(
        tags=TAGS,
        summary="Append bytes (tus core + checksum)",
        description=(
            "Content-Type: application/offset+octet-stream. 409 when Upload-Offset is not the server's "
            "offset; 460 when Upload-Checksum (sha1 or sha256) does not match (nothing is kept); 413 past "
            "Upload-Length. When the last byte arrives the film is handed to processing."
        ),
        parameters=[
            *TUS_HEADERS,
            OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Checksum", str, OpenApiParameter.HEADER),
        ],
        request={UPLOAD_CONTENT_TYPE: OpenApiTypes.BINARY},
        responses={204: OpenApiResponse(description="Upload-Offset: the new offset; Upload-Expires.")},
    )
    def patch(self, request: Request, upload_id: UUID) -> HttpResponse:
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != UPLOAD_CONTENT_TYPE:
            raise TusError(415, f"Content-Type must be {UPLOAD_CONTENT_TYPE}.")
        offset = parse_int_header(request.headers.get("Upload-Offset"), "Upload-Offset")
        content_length = parse_int_header(request.headers.get("Content-Length"), "Content-Length")
        checksum = parse_checksum(request.headers.get("Upload-Checksum"))
        result = services.append_to_upload(
            upload_id=upload_id,
            user=self.user,
            offset=offset,
            content_length=content_length,
            # The WSGI request itself: reading it streams from the socket (DRF never parses it).
            read=request._request.read,
            checksum=checksum,
        )
        response = HttpResponse(status=204)
        for key, value in _upload_headers(result.upload).items():
            if key != "Upload-Length":
                response[key] = value
        return response

    @extend_schema(
        tags=TAGS,
        summary="Cancel an upload (tus termination)",
        parameters=TUS_HEADERS,
        responses={204: OpenApiResponse(description="Deleted with its stored parts.")},
    )
    def delete(self, request: Request, upload_id: UUID) -> Response:
        services.terminate_upload(upload_id=upload_id, user=self.user)
        return Response(status=204)
