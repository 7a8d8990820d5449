"""Judge API: my assignments, my score (retrieve, save draft, submit), watch reports.

Serializers and views only: the rules are in ``judging.*.services`` and ``judging.*.selectors``.
The scoring page uses these endpoints too. Errors answer ``{"detail": ..., "fields": ...}``
with the status of the service's error (404 not yours, 403 closed, 409 stale, 400 invalid).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from festival.client import client_ip
from festival.models import User
from judging.errors import JudgingError, NotAssigned
from judging.models import Assignment, Score
from judging.scoring import selectors as scoring_selectors
from judging.scoring import services as scoring

ErrorSerializer = inline_serializer(
    name="JudgingError",
    fields={"detail": serializers.CharField(), "fields": serializers.DictField(child=serializers.CharField())},
)


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    round_name = serializers.CharField(source="round.name")
    title = serializers.CharField(source="submission.title")
    category = serializers.CharField(source="submission.category.name", default=None)
    status = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["id", "round", "round_name", "position", "title", "category", "watched_share", "status", "url"]

    def get_status(self, obj: Assignment) -> str:
        score = getattr(obj, "score", None)
        if score is None:
            return "new"
        return str(score.state)

    def get_url(self, obj: Assignment) -> str:
        return reverse("judging:score", kwargs={"round_id": obj.round_id, "assignment_id": obj.pk})


class PeerSerializer(serializers.Serializer[Any]):
    judge = serializers.CharField(source="label")
    total = serializers.FloatField(allow_null=True)
    values = serializers.DictField(child=serializers.IntegerField())


class ScoreSerializer(serializers.ModelSerializer[Score]):
    class Meta:
        model = Score
        fields = [
            "version",
            "state",
            "values",
            "comment_to_organizers",
            "feedback_to_filmmaker",
            "total",
            "submitted_at",
            "updated_at",
        ]


class ScoreWriteSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(min_value=0, help_text="The version the page loaded (0: no score yet).")
    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        default=dict,
        help_text="criterion id → value; null or empty leaves a draft's criterion unscored",
    )
    comment_to_organizers = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    feedback_to_filmmaker = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class WatchSerializer(serializers.Serializer[Any]):
    session = serializers.CharField(max_length=400, help_text="The scoring page's signed watch token.")
    watchedSeconds = serializers.FloatField(min_value=0)  # the player's event field name
    duration = serializers.FloatField(min_value=0, required=False, allow_null=True)
    position = serializers.FloatField(min_value=0, required=False, allow_null=True)


class WatchResultSerializer(serializers.Serializer[Any]):
    watched_seconds = serializers.FloatField()
    watched_share = serializers.FloatField()


def _error(exc: JudgingError) -> Response:
    if isinstance(exc, NotAssigned):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    body: dict[str, Any] = {"detail": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    return Response(body, status=exc.status)


class Pages(PageNumberPagination):
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"


class MyAssignments(ListAPIView[Assignment]):
    """The signed-in judge's active assignments, in their queue order."""

    serializer_class = AssignmentSerializer
    pagination_class = Pages

    def get_queryset(self) -> Any:
        assert isinstance(self.request.user, User)
        return scoring_selectors.active_assignments_of(self.request.user)


class _AssignmentView(APIView):
    def assignment(self, request: Request, assignment_id: int) -> Assignment:
        assert isinstance(request.user, User)
        return scoring_selectors.judge_assignment(user=request.user, assignment_id=assignment_id)


def _score_body(assignment: Assignment, score: Score | None) -> dict[str, Any]:
    data: dict[str, Any] = (
        dict(ScoreSerializer(score).data)
        if score
        else {
            "version": 0,
            "state": "new",
            "values": {},
            "comment_to_organizers": "",
            "feedback_to_filmmaker": "",
            "total": None,
            "submitted_at": None,
            "updated_at": None,
        }
    )
    peers = scoring_selectors.peer_scores(assignment, score)
    data["peers"] = PeerSerializer(peers, many=True).data if peers is not None else None
    return data


class MyScore(_AssignmentView):
    """Read or autosave (PUT) the judge's score of one assigned entry."""

    @extend_schema(responses={200: ScoreSerializer, 404: ErrorSerializer})
    def get(self, request: Request, assignment_id: int) -> Response:
        try:
            assignment = self.assignment(request, assignment_id)
        except JudgingError as exc:
            return _error(exc)
        return Response(_score_body(assignment, scoring_selectors.score_of(assignment)))

    @extend_schema(
        request=ScoreWriteSerializer,
        responses={
            200: ScoreSerializer,
            400: ErrorSerializer,
            403: OpenApiResponse(ErrorSerializer, description="The round is closed."),
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Stale version or already submitted."),
        },
    )
    def put(self, request: Request, assignment_id: int) -> Response:
        return self._write(request, assignment_id, submit=False)

    def _write(self, request: Request, assignment_id: int, *, submit: bool) -> Response:
        assert isinstance(request.user, User)
        incoming = ScoreWriteSerializer(data=request.data)
        if not incoming.is_valid():
            fields = {k: " ".join(str(e) for e in v) for k, v in incoming.errors.items()}
            return Response({"detail": "Check the score's fields.", "fields": fields}, status=400)
        data = incoming.validated_data
        try:
            assignment = self.assignment(request, assignment_id)
            service = scoring.submit_score if submit else scoring.save_score
            score = service(
                assignment=assignment,
                expected_version=data["version"],
                values=data.get("values") or {},
                comment_to_organizers=data.get("comment_to_organizers"),
                feedback_to_filmmaker=data.get("feedback_to_filmmaker"),
                actor=request.user,
                ip=client_ip(request),
            )
        except JudgingError as exc:
            return _error(exc)
        return Response(_score_body(assignment, score))


class SubmitMyScore(MyScore):
    """Save and submit the judge's score (every required criterion, required share watched)."""

    http_method_names = ["post", "options"]

    @extend_schema(
        request=ScoreWriteSerializer,
        responses={
            200: ScoreSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        return self._write(request, assignment_id, submit=True)


class Watch(_AssignmentView):
    """Progress from the player's ``laurel:watch`` events, kept plausible by the server."""

    @extend_schema(
        request=WatchSerializer,
        responses={200: WatchResultSerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        incoming = WatchSerializer(data=request.data)
        if not incoming.is_valid():
            fields = {k: " ".join(str(e) for e in v) for k, v in incoming.errors.items()}
            return Response({"detail": "Check the watch report.", "fields": fields}, status=400)
        data = incoming.validated_data
        try:
            assignment = scoring.record_watch(
                assignment=self.assignment(request, assignment_id),
                session_token=data["session"],
                watched_seconds=data["watchedSeconds"],
                duration=data.get("duration"),
            )
        except JudgingError as exc:
            return _error(exc)
        return Response(WatchResultSerializer(assignment).data)
