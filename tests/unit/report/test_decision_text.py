"""The readable decision: one-line decision, findings with sources, open questions, dated care plan; width, colour, escaping."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide
from clinicguide.decision_text import MIN_WIDTH, decision_text, safe, terminal_style

ROOT = Path(__file__).resolve().parents[3]
MARIA = json.loads((ROOT / "examples" / "patients" / "maria-lopez.json").read_text(encoding="utf-8"))
ANSWERS = json.loads((ROOT / "examples" / "answers" / "maria-lopez-microneedling.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def _main_job(guide: ClinicGuide, **options: Any) -> Any:
    return guide.plan("microneedling", MARIA, answers=ANSWERS, date="2026-12-01",
                      proposed={"params": {"needle-depth": "1.0mm"}, "last_treatment": "never"}, **options)


def test_the_main_job_reads_as_a_decision_findings_questions_and_a_dated_plan(guide: ClinicGuide) -> None:
    text = decision_text(_main_job(guide), width=100)
    lines = text.splitlines()
    assert lines[0] == "Decision: CAUTION - it may go ahead with care; read the findings"
    assert "Findings (2)" in lines and "Open questions (0)" in lines
    assert "  [caution, moderate] ci-isotretinoin-recent: Oral isotretinoin stopped within the last 6 months." in text
    assert "    evidence: MedicationStatement/maria-isotretinoin (2026-08-15)" in lines
    assert "    sources: M8, M12, I7, I8 (microneedling|1.1.0)" in lines
    assert "Care plan from 2026-12-01" in lines
    assert any(line.startswith("  2026-12-01               Treatment: Microneedling") for line in lines)
    care = {a.id: a.text.split() for a in guide.library.get("microneedling").aftercare}
    assert any(line.startswith(f"  2026-12-01 to 2026-12-04 Aftercare, avoid: {' '.join(care['ac-no-exercise'][:2])}")
               for line in lines)
    assert any(line.startswith(f"  2026-12-02               Aftercare, do: {' '.join(care['ac-sunscreen'][:2])}")
               for line in lines)
    assert "\x1b" not in text


def test_open_questions_carry_the_question(guide: ClinicGuide) -> None:
    text = decision_text(guide.plan("microneedling", MARIA, date="2026-12-01"), width=100)
    assert text.startswith("Decision: NEEDS-INFORMATION - answer the open questions before deciding\n")
    assert "Open questions (0)" not in text and "      ask: " not in text
    assert "    ask: " in text


@pytest.mark.parametrize("width", [MIN_WIDTH, 60, 80, 132])
def test_every_line_fits_the_width(guide: ClinicGuide, width: int) -> None:
    text = decision_text(_main_job(guide), width=width)
    assert max(len(line) for line in text.splitlines()) <= width


def test_colour_marks_only_the_decision(guide: ClinicGuide) -> None:
    coloured = decision_text(_main_job(guide), colour=True)
    assert coloured.startswith("\x1b[1;33mDecision: CAUTION\x1b[0m - ")
    assert coloured.count("\x1b[") == 2


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("tty", "no_color", "colour"), [(True, None, True), (True, "1", False), (True, "", True),
                                                         (False, None, False)])
def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch, tty: bool,
                                                           no_color: str | None, colour: bool) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setenv("COLUMNS", "20")
    assert terminal_style(_Stream(tty)) == (MIN_WIDTH, colour)


def test_escape_sequences_and_bidi_controls_are_shown_not_sent() -> None:
    assert safe("Dr \x1b[2J\x1b]0;owned\x07 Lee\u202e\n") == "Dr \\x1b[2J\\x1b]0;owned\\x07 Lee\\u202e"


def test_who_answered_is_escaped(guide: ClinicGuide) -> None:
    text = decision_text(_main_job(guide, answered_by="Dr \x1b[31mLee", answered_at="2026-11-30"))
    assert "Answers used: 13 by Dr \\x1b[31mLee on 2026-11-30" in text and "\x1b" not in text
