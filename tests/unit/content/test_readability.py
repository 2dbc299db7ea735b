"""Reading level of patient text: validate warns (CG501) with the score, and still exits 0 on warnings alone."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from clinicguide.content.readability import grade, passage, patient_texts

HARD = ("I acknowledge that post-inflammatory hyperpigmentation, particularly in individuals with "
        "Fitzpatrick phototypes IV to VI, constitutes a recognised complication of fractional photothermolysis.")


def test_grade_is_flesch_kincaid_and_plain_words_score_low() -> None:
    assert grade("Use sunscreen from the next day.") <= 4
    assert grade(HARD) > 15
    assert grade(HARD) == grade(HARD)


def test_patient_texts_are_consent_aftercare_and_risks() -> None:
    data = {"consent": [{"text": "a"}], "aftercare": [{"text": "b"}, "junk"], "risks": [{"text": "c"}],
            "contraindications": [{"text": "d", "question": "e"}], "summary": "f"}
    assert list(patient_texts(data)) == [(("consent", 0, "text"), "a"), (("aftercare", 0, "text"), "b"),
                                         (("risks", 0, "text"), "c")]


def test_a_document_is_scored_as_one_passage() -> None:
    assert passage(["Redness for a day", "I understand the procedure.", "  Call us!  "]) == (
        "Redness for a day. I understand the procedure. Call us!")
    # One short sentence with two long words is over grade 8 alone, and not in its passage.
    assert grade("I understand the procedure.") > 8
    assert grade(passage(["Redness for a day.", "I understand the procedure.", "Use sunscreen from the next day."])) <= 8


def test_validate_warns_with_the_score_and_passes(write: Callable[[str, str], Path], minimal_text: str,
                                                  cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    text = minimal_text.replace("text: I understand what the procedure involves.", f"text: {HARD}")
    assert text != minimal_text
    path = write("hard.yaml", text)
    done = cli("validate", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if "CG501" in line)
    whole = grade(passage([HARD, "Redness for a day."]))
    assert line.endswith(f"CG501 warning: patient text (consent, aftercare, risks) reads at US grade {whole:g}, above 8; "
                         f"hardest: consent-procedure {grade(HARD):g}; use shorter sentences and everyday words")
    assert ":36:5:" in line  # the first patient text: the consent item
    assert done.stdout.endswith("1 file checked: no problems, 1 warning(s)\n")
    as_json = json.loads(cli("validate", "--format", "json", str(path)).stdout)
    assert as_json["ok"] is True and [p["severity"] for p in as_json["problems"]] == ["warning"]
    github = cli("validate", "--format", "github", str(path))
    assert github.returncode == 0 and github.stdout.startswith("::warning file=")


def test_text_still_to_be_written_is_not_scored(write: Callable[[str, str], Path], minimal_text: str,
                                               cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    text = minimal_text.replace("text: I understand what the procedure involves.", f"text: TODO {HARD}")
    done = cli("validate", write("todo.yaml", text))
    assert "CG320" in done.stdout and "CG501" not in done.stdout


def test_an_error_beside_a_warning_still_fails(write: Callable[[str, str], Path], minimal_text: str,
                                               cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    text = minimal_text.replace("text: I understand what the procedure involves.", f"text: {HARD}")
    path = write("hard.yaml", text.replace("severity: mild", "severity: sever"))
    done = cli("validate", str(path))
    assert done.returncode == 1 and "CG501 warning" in done.stdout and "CG204" in done.stdout, done.stdout
    assert done.stdout.endswith("1 file checked: 1 problem(s), 1 warning(s)\n")
