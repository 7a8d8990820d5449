"""The entrant's API: submissions, credits, AI disclosure, statements, submit and withdraw.

Serializers check shapes; every write goes through ``submissions.services`` (same rules
as the pages: deadline, films per entrant, lock after submit). Another user's submission
is a 404 on every endpoint, because the queryset only holds the caller's own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from festival.models import Attestation, Category, Edition, User
from media.selectors import FilmStatus
from submissions import selectors, services
from submissions.attestations import applicable_attestations, attestation_text, required_attestations
from submissions.models import AITool, AIUse, Credit, CreditRole, ProductionStage, Submission
from submissions.models.entries import RUNTIME_MAX_SECONDS
from submissions.validation import MAX_LANGUAGES, country_choices, normalize_languages

# --- serializers ----------------------------------------------------------------------


class FilmStatusSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="queued, probing, transcoding, analysing, ready or failed")
    progress = serializers.IntegerField(min_value=0, max_value=100)
    failure_reason = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    """A submission as the entrant sees it. Writable fields are the film's details."""

    edition = serializers.PrimaryKeyRelatedField(queryset=Edition.objects.all())
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), allow_null=True, required=False)
    declared_runtime_seconds = serializers.IntegerField(
        min_value=1, max_value=RUNTIME_MAX_SECONDS, allow_null=True, required=False
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=8),
        max_length=MAX_LANGUAGES,
        required=False,
        help_text="ISO 639-1 codes, e.g. ['en', 'fr']; 'zxx' for no dialogue.",
    )
    country = serializers.ChoiceField(choices=[("", "—"), *country_choices()], required=False, allow_blank=True)
    state_label = serializers.SerializerMethodField(help_text="State including the film's processing, for people.")
    film = serializers.SerializerMethodField()
    editable = serializers.SerializerMethodField()
    upload_url = serializers.SerializerMethodField(help_text="The page / tus endpoint for the film.")

    class Meta:
        model = Submission
        fields = [
            "id",
            "edition",
            "category",
            "title",
            "logline",
            "synopsis",
            "declared_runtime_seconds",
            "languages",
            "country",
            "prize_contact_name",
            "prize_contact_email",
            "prize_contact_phone",
            "ai_statement",
            "state",
            "state_label",
            "film",
            "editable",
            "upload_url",
            "created_at",
            "updated_at",
            "submitted_at",
            "withdrawn_at",
            "disqualified_at",
            "disqualified_reason",
        ]
        read_only_fields = [
            "id",
            "ai_statement",
            "state",
            "created_at",
            "updated_at",
            "submitted_at",
            "withdrawn_at",
            "disqualified_at",
            "disqualified_reason",
        ]

    def validate_languages(self, value: list[str]) -> list[str]:
        try:
            return normalize_languages(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def _row(self, obj: Submission) -> selectors.SubmissionRow:
        statuses: dict[int, FilmStatus] | None = self.context.get("film_statuses")
        if statuses is not None:
            return selectors.SubmissionRow(submission=obj, film=statuses.get(obj.film_id) if obj.film_id else None)
        return selectors.submission_row(obj)

    def get_state_label(self, obj: Submission) -> str:
        return self._row(obj).state_label

    @extend_schema_field(FilmStatusSerializer(allow_null=True))
    def get_film(self, obj: Submission) -> dict[str, Any] | None:
        film = self._row(obj).film
        if film is None:
            return None
        return {"state": film.state, "progress": film.progress, "failure_reason": film.failure_reason}

    def get_editable(self, obj: Submission) -> bool:
        return selectors.is_editable(obj)

    def get_upload_url(self, obj: Submission) -> str:
        return selectors.upload_path(obj.pk)


class SubmissionUpdateSerializer(SubmissionSerializer):
    """Details only: the edition of a submission never changes."""

    edition = serializers.PrimaryKeyRelatedField(read_only=True)


class CreditSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=CreditRole.choices)

    class Meta:
        model = Credit
        fields = ["name", "role", "organization", "is_entrant"]


class AIUseSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(choices=ProductionStage.choices)
    tool = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=AITool.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="A tool from /api/submissions/ai-tools/ (its slug), or null and name it in tool_other.",
    )
    runtime_share_percent = serializers.IntegerField(min_value=0, max_value=100)

    class Meta:
        model = AIUse
        fields = ["stage", "tool", "tool_other", "model_version", "runtime_share_percent", "notes"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("tool") is None and not (attrs.get("tool_other") or "").strip():
            raise serializers.ValidationError({"tool": "Name the tool: a slug from the list, or tool_other."})
        return attrs


class DisclosureSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    uses = AIUseSerializer(many=True)


class AttestationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="One of the codes accepted by PUT (rights, likeness_consent, ...).")
    text = serializers.CharField(help_text="The statement exactly as shown and stored.")
    required_to_submit = serializers.BooleanField()
    accepted = serializers.BooleanField()
    accepted_at = serializers.DateTimeField(allow_null=True)


class AttestationsInputSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.ChoiceField(choices=Attestation.choices),
        max_length=len(Attestation.values),
        help_text="Every statement the entrant makes; statements left out are withdrawn.",
    )


class AIToolSerializer(serializers.ModelSerializer):
    class Meta:
        model = AITool
        fields = ["slug", "name", "vendor", "stages"]


ErrorSerializer = inline_serializer(
    name="SubmissionErrorResponse",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "problems": serializers.ListField(child=serializers.CharField(), required=False),
    },
)
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


# --- views ----------------------------------------------------------------------------


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class SubmissionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in entrant's own submissions."""

    queryset = Submission.objects.none()
    serializer_class = SubmissionSerializer
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Submission]:
        if getattr(self, "swagger_fake_view", False):
            return Submission.objects.none()
        return selectors.submissions_of(self._user())

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return SubmissionUpdateSerializer
        return SubmissionSerializer

    def _user(self) -> User:
        assert isinstance(self.request.user, User)
        return self.request.user

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.SubmissionError):
            body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
            if isinstance(exc, services.SubmissionIncomplete):
                body["problems"] = exc.problems
            return Response(body, status=exc.status)
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return Response(
                {"detail": f"The request body is larger than {limit} bytes.", "code": "too_large"},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        return super().handle_exception(exc)

    @extend_schema(summary="List my submissions, newest first")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        items = list(page) if page is not None else list(self.get_queryset())
        rows = selectors.submission_rows(items)
        statuses = {row.submission.film_id: row.film for row in rows if row.film is not None}
        serializer = SubmissionSerializer(
            items, many=True, context={**self.get_serializer_context(), "film_statuses": statuses}
        )
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)

    @extend_schema(
        summary="Start a submission (a draft) in an edition", responses={201: SubmissionSerializer, **ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SubmissionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        edition = data.pop("edition")
        title = data.pop("title")
        submission = services.create_submission(entrant=self._user(), edition=edition, title=title, details=data)
        return Response(self._out(submission), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the film's details (while editable)", responses={200: SubmissionSerializer, **ERRORS}
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submission = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = SubmissionUpdateSerializer(submission, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in services.DETAIL_FIELDS}
        updated = services.update_details(submission=submission, actor=self._user(), changes=changes)
        return Response(self._out(updated))

    def _out(self, submission: Submission) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=submission.pk)
        return dict(SubmissionSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], summary="The credits", responses={200: CreditSerializer(many=True)})
    @extend_schema(
        methods=["PUT"],
        summary="Replace the credits (the entrant must be one of them)",
        request=CreditSerializer(many=True),
        responses={200: CreditSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def credits(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        if request.method == "PUT":
            serializer = CreditSerializer(data=request.data, many=True)
            serializer.is_valid(raise_exception=True)
            services.set_credits(
                submission=submission,
                actor=self._user(),
                credits=[services.CreditInput(**item) for item in serializer.validated_data],
            )
        return Response(CreditSerializer(submission.credits.all(), many=True).data)

    @extend_schema(methods=["GET"], summary="The AI-use disclosure", responses={200: DisclosureSerializer})
    @extend_schema(
        methods=["PUT"],
        summary="Replace the AI-use disclosure (one row per production stage) and the statement",
        request=DisclosureSerializer,
        responses={200: DisclosureSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def disclosure(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        if request.method == "PUT":
            serializer = DisclosureSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            uses = [
                services.AIUseInput(
                    stage=use["stage"],
                    tool_id=use["tool"].pk if use.get("tool") else None,
                    tool_other=use.get("tool_other", ""),
                    model_version=use.get("model_version", ""),
                    runtime_share_percent=use["runtime_share_percent"],
                    notes=use.get("notes", ""),
                )
                for use in data["uses"]
            ]
            services.set_ai_disclosure(
                submission=submission, actor=self._user(), uses=uses, statement=data.get("statement", "")
            )
            submission.refresh_from_db(fields=["ai_statement"])
        body = {
            "statement": submission.ai_statement,
            "uses": AIUseSerializer(submission.ai_uses.select_related("tool"), many=True).data,
        }
        return Response(body)

    @extend_schema(
        methods=["GET"], summary="The rights and consent statements", responses={200: AttestationSerializer(many=True)}
    )
    @extend_schema(
        methods=["PUT"],
        summary="Make exactly these statements (each stored with time, user and text)",
        request=AttestationsInputSerializer,
        responses={200: AttestationSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def attestations(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        if request.method == "PUT":
            serializer = AttestationsInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.record_attestations(
                submission=submission, actor=self._user(), codes=serializer.validated_data["codes"]
            )
        made = {record.code: record for record in submission.attestations.all()}
        required = set(required_attestations(submission.edition))
        rows = [
            {
                "code": code,
                "text": attestation_text(code),
                "required_to_submit": code in required,
                "accepted": code in made,
                "accepted_at": made[code].accepted_at if code in made else None,
            }
            for code in applicable_attestations(submission.edition)
        ]
        return Response(AttestationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Submit the film (needs every required field and statement, and a processed film)",
        request=None,
        responses={200: SubmissionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        submitted = services.submit_submission(submission=self.get_object(), actor=self._user())
        return Response(self._out(submitted))

    @extend_schema(summary="Withdraw the film (final)", request=None, responses={200: SubmissionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        withdrawn = services.withdraw_submission(submission=self.get_object(), actor=self._user())
        return Response(self._out(withdrawn))

    @extend_schema(
        summary="What still blocks submitting",
        responses={
            200: inline_serializer(
                name="SubmissionProblems", fields={"problems": serializers.ListField(child=serializers.CharField())}
            )
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def problems(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        found = (
            selectors.submission_problems(submission, now=timezone.now()) if selectors.is_editable(submission) else []
        )
        return Response({"problems": found})


class AIToolViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The vocabulary of AI tools for the disclosure (anything else goes in tool_other)."""

    queryset = AITool.objects.filter(is_active=True)
    serializer_class = AIToolSerializer
    pagination_class = None
