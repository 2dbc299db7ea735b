"""Text from inputs cannot forge or hide output: file names, coding systems, link ids, reviewer names, plugin text.

Each case puts a line break followed by a forged line, or a terminal escape, where an input
may hold text, and checks every output format: the text and GitHub formats keep one problem
(or one change) per line and carry no control character; JSON carries them only escaped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from clinicguide.escape import printable, printable_lines
from clinicguide.release import build, changes, verify
from clinicguide.release.changes import LOOSENING, Change, GuidanceDiff
from clinicguide.release.diff import diff_releases
from clinicguide.release.source import load_release
from clinicguide.resources import data_root

REPO = Path(__file__).resolve().parents[2]
FORGED = "forged.yaml:1:1: CG999 all is well"
ESCAPES = "\x1b[2K\x1b[1A\r\x9b31m\u202e\u2028"
HOSTILE = f"x\n{FORGED}\n::warning::owned{ESCAPES}"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def run(*args: str, cwd: Path = REPO, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, input=stdin)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def clean(output: str) -> None:
    """No control character, no forged problem line, no workflow command but the tool's own."""
    assert not CONTROL.search(output), repr(output)
    lines = output.splitlines()
    assert not any(line.startswith("forged.yaml") for line in lines), output
    assert not any(line.startswith("::") and not line.startswith(("::error ", "::warning ")) for line in lines), output


def test_escaping_keeps_one_field_on_one_printable_line() -> None:
    assert printable(HOSTILE).count("\n") == 0 and not CONTROL.search(printable(HOSTILE))
    assert printable("Lopez, María 松本 ok") == "Lopez, María 松本 ok"  # printable text is left alone
    assert printable("a\tb\x00") == "a\\x09b\\x00" and printable("\U000e0041") == "\\U000e0041"
    assert printable_lines("one\ntwo\x1b") == "one\ntwo\\x1b"


@pytest.fixture
def hostile_file(tmp_path: Path) -> Path:
    """An invalid guidance file whose name forges a problem line and holds escapes."""
    path = tmp_path / f"doc{HOSTILE.replace('/', '_')}.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    return path


def test_a_file_name_cannot_forge_problem_lines(hostile_file: Path) -> None:
    done = run("validate", str(hostile_file))
    assert done.returncode == 1
    clean(done.stdout + done.stderr)
    problem_lines = [line for line in done.stdout.splitlines() if ": CG" in line]
    assert len(problem_lines) == 1 and "\\x0aforged.yaml" in problem_lines[0]


def test_github_annotations_escape_properties_and_data(hostile_file: Path) -> None:
    name = str(hostile_file) + ",title=x::"
    shutil.move(hostile_file, name)
    done = run("validate", "--format", "github", name)
    assert done.returncode == 1
    clean(done.stdout)
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    properties = re.fullmatch(r"::error (?P<props>[^:]*)::(?P<data>.*)", lines[0])
    assert properties, lines[0]
    fields = dict(p.split("=", 1) for p in properties["props"].split(","))
    assert set(fields) == {"file", "line", "col", "title"} and fields["title"] == "CG104"
    # Decoded as the runner decodes them, the properties give back the name, line breaks and all, inert.
    decoded = unquote(fields["file"])
    assert decoded.endswith(".yaml,title=x::") and f"\n{FORGED}\n::warning::owned\\x1b[2K" in decoded


def test_json_output_escapes_every_control_character(hostile_file: Path) -> None:
    done = run("validate", "--format", "json", str(hostile_file))
    clean(done.stdout)
    report = json.loads(done.stdout)
    assert os.path.normpath(REPO / report["problems"][0]["file"]) == str(hostile_file)


def test_a_coding_system_with_a_line_break_cannot_forge_a_problem(tmp_path: Path) -> None:
    text = (data_root() / "guidance" / "microneedling.yaml").read_text(encoding="utf-8")
    hostile = text.replace('{system: "http://loinc.org"', '{system: "http://loinc.org\\n' + FORGED + '\\u001b[2J"', 1)
    assert hostile != text
    path = tmp_path / "microneedling.yaml"
    path.write_text(hostile, encoding="utf-8")
    for fmt in ("text", "github", "json"):
        done = run("validate", "--format", fmt, str(path))
        assert done.returncode == 1
        clean(done.stdout + done.stderr)


def test_consent_does_not_echo_link_ids_raw() -> None:
    response = json.loads((REPO / "examples" / "responses" / "microneedling-complete.json").read_text(encoding="utf-8"))
    response["item"].append({"linkId": f"\x1b[2J{HOSTILE}", "answer": [{"valueBoolean": True}]})
    done = run("consent", "microneedling", "--response", "-", stdin=json.dumps(response))
    assert done.returncode == 1
    clean(done.stderr)
    assert "items the checklist does not: '\\x1b[2Jx\\nforged.yaml" in done.stderr


def test_an_unknown_name_on_the_command_line_is_escaped() -> None:
    done = run("screen", f"micro{ESCAPES}\nneedling", "--patient", str(REPO / "examples" / "patients" / "maria-lopez.json"))
    assert done.returncode == 2
    clean(done.stderr)


def _hostile_review(manifest: dict[str, Any]) -> dict[str, Any]:
    for entry in manifest["guidance"]:
        entry["review"]["reviewers"] = [{"name": f"Dr A. Lee{ESCAPES}\n{FORGED}", "role": "derm\x1b]0;title\x07"}]
        entry["title"] = HOSTILE
    manifest["package"]["version"] = f"0.1{ESCAPES}"
    return manifest


def test_verify_text_escapes_what_the_bundle_says(tmp_path: Path) -> None:
    bundle = tmp_path / "b.tar.gz"
    built = build.build()
    build.write(built, bundle)
    report = verify.verify(bundle)
    assert report.ok
    report.manifest = _hostile_review(json.loads(json.dumps(report.manifest)))
    report.unrecorded = [HOSTILE]
    text = report.as_text()
    clean(text)
    assert "Dr A. Lee\\x1b[2K" in text


def test_diff_text_escapes_both_releases(tmp_path: Path) -> None:
    tree = tmp_path / "new"
    for folder in ("guidance", "schemas"):
        shutil.copytree(data_root() / folder, tree / folder)
    doc = tree / "guidance" / "microneedling.yaml"
    # A contraindication removed, from a release whose texts hold line breaks (prose may; escapes it may not).
    text = doc.read_text(encoding="utf-8").replace("\n    text: ", f'\n    text: "{FORGED}\\n{FORGED}" #', 1)
    doc.write_text(text, encoding="utf-8")
    old, new = load_release(data_root()), load_release(tree)
    diffs = diff_releases(old.documents, new.documents)
    diffs.append(GuidanceDiff(HOSTILE, "1.0.0", HOSTILE, (
        Change("contraindications", HOSTILE, "removed", f"removed (absolute): {HOSTILE}", None, None, LOOSENING),)))
    output = changes.as_text("old", f"new{ESCAPES}", diffs)
    clean(output)
    assert output.count("[! LOOSENING - needs clinical sign-off]") == 1
    assert "removed (absolute): x\\x0aforged.yaml" in output
