"""The QC codes and containers are defined once (``festival.qc_codes``); the pipeline and the
edition's rules cannot drift apart."""

from __future__ import annotations

from fractions import Fraction

import pytest

from festival.qc_codes import ELIGIBILITY, SUPPORTED_CONTAINERS, QCCheck
from media import qc
from media.probe import _container
from media.qc import Measurements, eligibility_findings, technical_findings
from media.rules import FilmRules
from tests.media.test_qc import RULES, info


def test_the_pipeline_produces_exactly_the_editions_qc_codes() -> None:
    everything_wrong = Measurements(
        integrated_lufs=-40.0,
        true_peak_dbtp=0.5,
        black=[(0.0, 5.0), (30.0, 45.0), (95.0, 100.0)],
        silence=[(0.0, 5.0), (30.0, 45.0), (95.0, 100.0)],
    )
    loud = info(duration=100.0, fps=Fraction(10), variable_frame_rate=True)
    silent = info(duration=100.0, has_audio=False)

    produced = {f["code"] for f in technical_findings(loud, everything_wrong, RULES)}
    produced |= {f["code"] for f in technical_findings(silent, Measurements(), RULES)}
    broken = info(duration=702.4, container="mov", width=1280, height=534)
    rules_broken = {f["code"] for f in eligibility_findings(broken, RULES, size_bytes=5 * 1024**2)}

    assert produced == set(QCCheck.values)
    assert rules_broken == set(ELIGIBILITY)


def test_a_code_outside_the_list_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match="'hum' is not a QC code"):
        qc._finding("hum", "mains hum", None, RULES)


def test_a_blocking_qc_check_the_edition_chooses_blocks_in_the_pipeline() -> None:
    rules = FilmRules(**{**RULES.to_dict(), "allowed_containers": ("mp4",), "blocking_qc": (QCCheck.NO_AUDIO,)})
    [finding] = technical_findings(info(has_audio=False), Measurements(), rules)
    assert (finding["code"], finding["severity"]) == ("no_audio", "error")


def test_every_container_the_probe_names_for_a_film_is_one_an_edition_can_accept() -> None:
    named = {
        _container("mov,mp4,m4a,3gp,3g2,mj2", {}, set()),
        _container("mov,mp4,m4a,3gp,3g2,mj2", {"major_brand": "qt  "}, set()),
        _container("matroska,webm", {}, {"vp9", "opus"}),
        _container("matroska,webm", {}, {"h264"}),
        _container("avi", {}, set()),
    }
    assert named == set(SUPPORTED_CONTAINERS)
