"""API: an edition's results per round, for organizers only (404 for everyone else)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from festival.models import Edition
from festival.parsing import parse_natural
from festival.selectors import roles_of
from judging.final.selectors import published_awards
from judging.models import RoundKind
from judging.results import rankings
from judging.results import selectors as results
from judging.results.services import request_ranking_refresh
from judging.rounds import selectors as round_selectors

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class ResultRowSerializer(serializers.Serializer[results.ResultRow]):
    position = serializers.IntegerField()
    rank = serializers.IntegerField(help_text="Judge model's rank; tied entries share it.")
    tied = serializers.BooleanField()
    submission_id = serializers.IntegerField()
    title = serializers.CharField()
    n_scores = serializers.IntegerField()
    raw = serializers.FloatField(allow_null=True)
    raw_rank = serializers.IntegerField()
    z = serializers.FloatField(allow_null=True)
    z_rank = serializers.IntegerField()
    model = serializers.FloatField(allow_null=True, help_text="Calibrated score (0-10, the average judge's).")
    se = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="95 % interval, low end.")
    high = serializers.FloatField(allow_null=True)
    spread = serializers.FloatField(allow_null=True)
    flagged = serializers.BooleanField(help_text="Judges disagree more than their noise explains.")
    at_cut = serializers.CharField()
    close_call = serializers.BooleanField()
    p_above = serializers.FloatField(
        allow_null=True, help_text="In the tie band at the cut: the probability that the entry belongs above it."
    )


class AwardSerializer(serializers.Serializer[dict[str, Any]]):
    rank = serializers.IntegerField()
    tier = serializers.CharField()
    submission_id = serializers.IntegerField()
    title = serializers.CharField()


class RoundResultsSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    entries_in_round = serializers.IntegerField()
    scored = serializers.IntegerField()
    flagged = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the stored ranking was computed.")
    current = serializers.BooleanField(
        help_text="False while scores or entries changed since it was computed (a worker is recomputing it)."
    )
    tied_at_cut = serializers.IntegerField(
        help_text="Entries with exactly the calibrated score at the cut (their rows say at_cut: tied at the cut)."
    )
    tie_band = serializers.IntegerField(
        help_text="Entries whose 95 % interval contains the cut (their rows say close_call, with p_above)."
    )
    entries = ResultRowSerializer(many=True)
    awards = AwardSerializer(many=True, help_text="The published award ladder (final rounds).")


class EditionResultsSerializer(serializers.Serializer[dict[str, Any]]):
    edition = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    rounds = RoundResultsSerializer(many=True)


def _bounded(value: str | None, default: int, high: int) -> int:
    number = parse_natural(value) if value is not None else default
    return default if number is None else min(number, high)


class EditionResultsView(APIView):
    """Each round's calibrated ranking (``limit`` rows from ``offset``, best first)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("round", int, description="Only this round."),
            OpenApiParameter("limit", int, description=f"Rows per round (default {DEFAULT_LIMIT}, max {MAX_LIMIT})."),
            OpenApiParameter("offset", int),
        ],
        responses=EditionResultsSerializer,
    )
    def get(self, request: Request, edition_id: int) -> Response:
        edition = Edition.objects.filter(pk=edition_id).first()
        if edition is None or not roles_of(request.user).organizes(edition.festival_id):
            raise NotFound
        limit = _bounded(request.query_params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
        offset = _bounded(request.query_params.get("offset"), 0, 10**9)
        rounds = round_selectors.rounds_of(edition)
        wanted = request.query_params.get("round")
        if wanted is not None:
            rounds = [r for r in rounds if str(r.pk) == wanted]
            if not rounds:
                raise NotFound
        payload = []
        for round in rounds:
            ranking = rankings.ranking_of(round)
            if not ranking.is_current:
                request_ranking_refresh(round_id=round.pk)
            payload.append(
                {
                    "id": round.pk,
                    "name": round.name,
                    "kind": round.kind,
                    "entries_in_round": ranking.entries_in_round,
                    "scored": ranking.scored,
                    "flagged": ranking.flagged,
                    "computed_at": ranking.computed_at,
                    "current": ranking.is_current,
                    "tied_at_cut": ranking.tied_count,
                    "tie_band": ranking.close_calls,
                    "entries": ranking.rows(offset=offset, limit=limit),
                    "awards": [
                        {
                            "rank": a.rank,
                            "tier": a.tier.name,
                            "submission_id": a.submission_id,
                            "title": a.submission.title,
                        }
                        for a in published_awards(round)
                    ]
                    if round.kind == RoundKind.FINAL
                    else [],
                }
            )
        data = {"edition": edition.pk, "limit": limit, "offset": offset, "rounds": payload}
        return Response(EditionResultsSerializer(data).data)
