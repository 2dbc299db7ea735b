"""Clinical diff between releases: every change listed, every loosening marked for sign-off."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from clinicguide.cli import main
from clinicguide.content.builder import guidance_from_data
from clinicguide.content.yamlsafe import read
from clinicguide.release import build, diff
from clinicguide.release.changes import LOOSENING, OTHER, UNCLEAR
from clinicguide.resources import data_root

TESTS = Path(__file__).resolve().parents[2]

FULL = TESTS / "unit" / "release" / "fixtures" / "schema-1.0" / "full.yaml"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def full() -> dict[str, Any]:
    data, _ = read(FULL)
    return data


def changes(old: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> list[tuple[str, str, str, str]]:
    new = copy.deepcopy(old)
    edit(new)
    found = diff.diff_guidance(guidance_from_data(old), guidance_from_data(new))
    return [(c.section, c.item, c.kind, c.safety) for c in found]


L, U = LOOSENING, UNCLEAR


def regimen(d: dict[str, Any]) -> dict[str, Any]:
    return d["regimens"][0]


CASES: dict[str, tuple[Callable[[dict[str, Any]], None], list[tuple[str, str, str, str]]]] = {
    "range high raised": (lambda d: regimen(d)["ranges"][0].update(high=2), [("ranges", "reg-a/rng-a", "widened", L)]),
    "range low lowered": (lambda d: regimen(d)["ranges"][0].update(low=0.25), [("ranges", "reg-a/rng-a", "widened", L)]),
    "range narrowed": (lambda d: regimen(d)["ranges"][0].update(low=0.75, high=0.9),
                       [("ranges", "reg-a/rng-a", "narrowed", OTHER), ("ranges", "reg-a/rng-a", "narrowed", OTHER)]),
    "range unit changed": (lambda d: regimen(d)["ranges"][0].update(unit="mg/d"), [("ranges", "reg-a/rng-a", "changed", U)]),
    "range removed": (lambda d: regimen(d).update(ranges=[{**regimen(d)["ranges"][0], "id": "rng-b"}]),
                      [("ranges", "reg-a/rng-a", "removed", L), ("ranges", "reg-a/rng-b", "added", OTHER)]),
    "maximum raised": (lambda d: regimen(d)["maximums"][0].update(value=50), [("maximums", "reg-a/max-session", "raised", L)]),
    "maximum lowered": (lambda d: regimen(d)["maximums"][0].update(value=30),
                        [("maximums", "reg-a/max-session", "lowered", OTHER)]),
    "maximum removed": (lambda d: regimen(d)["maximums"].pop(0), [("maximums", "reg-a/max-session", "removed", L)]),
    "maximum period shortened": (lambda d: regimen(d)["maximums"][1].update(period={"value": 10, "unit": "wk"}),
                                 [("maximums", "reg-a/max-period", "shortened", L)]),
    "interval shortened": (lambda d: regimen(d)["min_interval"].update(value=1, unit="mo"),
                           [("intervals", "reg-a/min_interval", "shortened", L)]),
    "interval lengthened": (lambda d: regimen(d)["min_interval"].update(value=3, unit="mo"),
                            [("intervals", "reg-a/min_interval", "lengthened", OTHER)]),
    "interval removed": (lambda d: regimen(d).pop("min_interval"), [("intervals", "reg-a/min_interval", "removed", L)]),
    "interval made advisory": (lambda d: regimen(d)["min_interval"].update(advisory=True),
                               [("intervals", "reg-a/min_interval", "relaxed", L)]),
    "maximum for fewer indications": (lambda d: regimen(d)["maximums"][0].update(indications=["ind-a"]),
                                      [("maximums", "reg-a/max-session", "narrowed", L)]),
    "maximum per day": (lambda d: regimen(d)["maximums"][0].update(per="day"), [("maximums", "reg-a/max-session", "changed", U)]),
    "regimen medication codes": (lambda d: regimen(d).update(codes=[{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                                     "code": "197843", "display": "x"}]),
                                 [("regimens", "reg-a", "changed", U)]),
    "weight age lengthened": (lambda d: d.update(weight_max_age={"value": 60, "unit": "d"}),
                              [("regimens", "weight_max_age", "lengthened", L)]),
    "weight age shortened": (lambda d: d.update(weight_max_age={"value": 7, "unit": "d"}),
                             [("regimens", "weight_max_age", "shortened", OTHER)]),
    "regimen added": (lambda d: d["regimens"].append({**regimen(d), "id": "reg-b"}), [("regimens", "reg-b", "added", L)]),
    "regimen for a new indication": (lambda d: (d["indications"].append({**d["indications"][0], "id": "ind-b"}),
                                                regimen(d)["indications"].append("ind-b")),
                                     [("indications", "ind-b", "added", L), ("regimens", "reg-a", "widened", L)]),
    "contraindication removed": (lambda d: d["contraindications"].pop(0), [("contraindications", "ci-condition", "removed", L)]),
    "contraindication made relative": (lambda d: d["contraindications"][0].update(severity="relative"),
                                       [("contraindications", "ci-condition", "relaxed", L)]),
    "contraindication made absolute": (lambda d: d["contraindications"][1].update(severity="absolute"),
                                       [("contraindications", "ci-composite", "tightened", OTHER)]),
    "contraindication added": (lambda d: d["contraindications"].append({**d["contraindications"][0], "id": "ci-new"}),
                               [("contraindications", "ci-new", "added", OTHER)]),
    "criterion rewritten": (lambda d: d["contraindications"][0]["criterion"]["condition"].update(status="active"),
                            [("contraindications", "ci-condition", "changed", U)]),
    "applicability added": (lambda d: d["contraindications"][0].update(applies_to={"id": "can-x", "not": {"sex": "male"}},
                                                                         applies_question="Can it apply?"),
                            [("contraindications", "ci-condition", "changed", U),
                             ("contraindications", "ci-condition", "changed", OTHER)]),
    "risk removed": (lambda d: (d["risks"].pop(0), d["consent"][0].update(discloses=[])),
                     [("risks", "risk-a", "removed", L), ("consent", "consent-a", "narrowed", L)]),
    "risk severity lowered": (lambda d: d["risks"][0].update(severity="moderate"), [("risks", "risk-a", "lowered", L)]),
    "risk frequency changed": (lambda d: d["risks"][0]["frequency"].update(percent=0.5), [("risks", "risk-a", "changed", OTHER)]),
    "consent item removed": (lambda d: d["consent"].pop(0), [("consent", "consent-a", "removed", L)]),
    "consent made conditional": (lambda d: d["consent"][0].update(applies_when={"applies_to": "can-x", "question": "Can it?"}),
                                 [("consent", "consent-a", "narrowed", L)]),
    "aftercare removed": (lambda d: d["aftercare"].pop(0), [("aftercare", "ac-a", "removed", L)]),
    "aftercare shortened": (lambda d: d["aftercare"][0].update({"for": {"value": 1, "unit": "d"}}),
                            [("aftercare", "ac-a", "shortened", L)]),
    "aftercare added": (lambda d: d["aftercare"].append({**d["aftercare"][0], "id": "ac-b"}),
                        [("aftercare", "ac-b", "added", OTHER)]),
    "monitoring removed": (lambda d: d["monitoring"].pop(0), [("monitoring", "mon-a", "removed", L)]),
    "monitoring less frequent": (lambda d: d["monitoring"][0].update(every={"value": 3, "unit": "mo"}),
                                 [("monitoring", "mon-a", "less frequent", L)]),
    "prerequisite removed": (lambda d: d["prerequisites"].pop(0), [("prerequisites", "pre-a", "removed", L)]),
    "status retired": (lambda d: d.update(status="retired"), [("status", "", "changed", OTHER)]),
    "source added": (lambda d: d["sources"].append({**d["sources"][0], "id": "S2"}), [("sources", "S2", "added", OTHER)]),
    "source url changed": (lambda d: d["sources"][0].update(url="https://example.org/moved"),
                           [("sources", "S1", "changed", OTHER)]),
    "indication relabelled on-label": (lambda d: d["indications"][0].update(label="on-label"),
                                       [("indications", "ind-a", "relabelled", L)]),
    "regimen relabelled off-label": (lambda d: regimen(d).update(label="off-label"),
                                     [("regimens", "reg-a", "relabelled", OTHER)]),
    "regimen removed": (lambda d: d["regimens"].pop(0), [("regimens", "reg-a", "removed", L)]),
    # 1.85 mo is 54 days from 31 January (the engine counts months by the calendar), 2 mo at least 59
    "interval 8 wk to 1.85 mo": (lambda d: regimen(d)["min_interval"].update(value=1.85, unit="mo"),
                                 [("intervals", "reg-a/min_interval", "shortened", L)]),
    "interval 8 wk to 2 mo": (lambda d: regimen(d)["min_interval"].update(value=2, unit="mo"),
                              [("intervals", "reg-a/min_interval", "lengthened", OTHER)]),
    "interval 8 wk to 56 d": (lambda d: regimen(d)["min_interval"].update(value=56, unit="d"),
                              [("intervals", "reg-a/min_interval", "lengthened", OTHER)]),
    "interval text rewritten": (lambda d: regimen(d)["min_interval"].update(text="Any interval will do."),
                                [("intervals", "reg-a/min_interval", "changed", U)]),
    "range text rewritten, numbers kept": (lambda d: regimen(d)["ranges"][0].update(text="Up to 3 mm is acceptable."),
                                           [("ranges", "reg-a/rng-a", "changed", U)]),
    "maximum text rewritten": (lambda d: regimen(d)["maximums"][0].update(text="No real maximum."),
                               [("maximums", "reg-a/max-session", "changed", U)]),
    "aftercare starts later": (lambda d: d["aftercare"][0].update(start={"value": 2, "unit": "d"}),
                               [("aftercare", "ac-a", "shortened", L)]),
    "aftercare starts later, same hours": (lambda d: d["aftercare"][0].update(start={"value": 1, "unit": "h"}),
                                           [("aftercare", "ac-a", "shortened", L)]),
    "reviewer added": (lambda d: d["review"]["reviewers"].append({"name": "Second", "role": "pharmacist"}),
                       [("review", "reviewers", "changed", OTHER)]),
    "wording only": (lambda d: d["risks"][0].update(text="Reworded."), [("risks", "risk-a", "changed", OTHER)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_kind_of_change_is_found_and_classified(full: dict[str, Any], case: str) -> None:
    edit, expected = CASES[case]
    assert changes(full, edit) == expected


def test_an_off_label_regimen_relabelled_on_label_is_a_loosening(full: dict[str, Any]) -> None:
    off = copy.deepcopy(full)
    regimen(off).update(label="off-label")
    assert changes(off, lambda d: regimen(d).update(label="on-label")) == [("regimens", "reg-a", "relabelled", L)]


def test_an_interval_shortened_across_units_names_the_start_date(full: dict[str, Any]) -> None:
    days = copy.deepcopy(full)
    regimen(days)["min_interval"].update(value=90, unit="d")
    new = copy.deepcopy(days)
    regimen(new)["min_interval"].update(value=3, unit="mo")
    [change] = diff.diff_guidance(guidance_from_data(days), guidance_from_data(new))
    assert change.safety == L and "89 days, not 90" in change.message


CONDITION_CASES: dict[str, tuple[Callable[[dict[str, Any]], Any], list[tuple[str, str, str, str]]]] = {
    "made unconditional": (lambda c: c.pop("applies_when"), [("consent", "consent-a", "widened", OTHER)]),
    "condition moved": (lambda c: c.update(applies_when={"indications": ["ind-a"], "question": "Can it?"}),
                        [("consent", "consent-a", "changed", U)]),
    "condition reworded": (lambda c: c["applies_when"].update(question="Could it?"),
                           [("consent", "consent-a", "changed", OTHER)]),
}


@pytest.mark.parametrize("case", sorted(CONDITION_CASES))
def test_changes_to_a_conditional_consent_statement(full: dict[str, Any], case: str) -> None:
    conditional = copy.deepcopy(full)
    conditional["consent"][0]["applies_when"] = {"applies_to": "can-x", "question": "Can it?"}
    edit, expected = CONDITION_CASES[case]
    assert changes(conditional, lambda d: edit(d["consent"][0])) == expected


def test_no_change_no_output(full: dict[str, Any]) -> None:
    assert changes(full, lambda d: None) == []


# -- end to end: bundles and folders ---------------------------------------------------

def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """A bundle of the shipped tree, and a bundle of a copy with clinical changes to one document."""
    base = tmp_path_factory.mktemp("diff")
    root = base / "tree"
    for folder in ("guidance", "schemas"):
        shutil.copytree(data_root() / folder, root / folder)
    old = base / "old.tar.gz"
    build.write(build.build(root), old)

    # The first shipped document that has an absolute contraindication and a regimen range.
    for path in sorted((root / "guidance").glob("*.yaml")):
        data, _ = read(path)
        absolute = [c for c in data["contraindications"] if c["severity"] == "absolute"]
        if absolute and data.get("regimens") and data["aftercare"]:
            break
    else:
        pytest.skip("no shipped document with an absolute contraindication, a regimen and aftercare")
    rng = data["regimens"][0]["ranges"][0]
    rng["high"] = rng["high"] + 1
    absolute[0]["severity"] = "relative"
    removed_aftercare = data["aftercare"].pop()
    shipped_version = data["version"]
    data["version"] = "9.0.0"
    data["changelog"].insert(0, {"version": "9.0.0", "date": "2026-12-01", "changes": ["Test changes."]})
    _dump(path, data)
    new = base / "new.tar.gz"
    build.write(build.build(root), new)
    expected = {"id": data["id"], "version": shipped_version,
                "range": f"{data['regimens'][0]['id']}/{rng['id']}", "contraindication": absolute[0]["id"],
                "aftercare": removed_aftercare["id"], "tree": root}
    return old, new, expected


def test_diff_of_bundles_lists_each_change_with_loosenings_marked(releases: tuple[Path, Path, dict[str, Any]]) -> None:
    old, new, expected = releases
    result = cli("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for section, item in (("ranges", expected["range"]), ("contraindications", expected["contraindication"]),
                          ("aftercare", expected["aftercare"])):
        line = next((row for row in lines if row.strip().startswith(f"{section} {item}:")), None)
        assert line is not None, (section, item, result.stdout)
        assert "LOOSENING - needs clinical sign-off" in line
    assert f"{expected['id']} {expected['version']} -> 9.0.0: 3 change(s), 3 needing clinical sign-off" in result.stdout
    others = [row for row in lines if row.endswith("no clinical changes")]
    assert len(others) == len([row for row in lines if " -> " in row and ":" in row and not row.startswith(" ")]) - 1


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in-process (subprocess runs are kept for a few end-to-end checks: they are slow)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_as_json(releases: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    old, new, expected = releases
    code, out, _ = run(capsys, "diff", str(old), str(new), "--format", "json", "--fail-on-loosening")
    assert code == 1  # loosenings found and asked to fail on them
    report = json.loads(out)
    assert report["summary"]["loosenings"] == 3 and report["summary"]["needs_signoff"] == 3
    changed = next(g for g in report["guidance"] if g["id"] == expected["id"])
    assert (changed["old_version"], changed["new_version"]) == (expected["version"], "9.0.0")
    by_item = {(c["section"], c["item"]): c for c in changed["changes"]}
    rng = by_item[("ranges", expected["range"])]
    assert rng["kind"] == "widened" and rng["loosening"] and rng["new"] == rng["old"] + 1
    assert by_item[("contraindications", expected["contraindication"])]["old"] == "absolute"
    assert by_item[("aftercare", expected["aftercare"])]["kind"] == "removed"
    assert all(g["changes"] == [] for g in report["guidance"] if g["id"] != expected["id"])


def test_identical_releases_exit_0_even_with_fail_on_loosening(releases: tuple[Path, Path, dict[str, Any]],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    old, _, _ = releases
    code, out, _ = run(capsys, "diff", str(old), str(old), "--fail-on-loosening")
    assert code == 0 and "0 change(s), 0 loosening(s)" in out


def test_diff_of_a_bundle_against_a_folder(releases: tuple[Path, Path, dict[str, Any]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    old, _, expected = releases
    for target in (expected["tree"], expected["tree"] / "guidance"):
        code, out, err = run(capsys, "diff", str(old), str(target), "--format", "json")
        assert code == 0, err
        assert json.loads(out)["summary"]["loosenings"] == 3


def test_a_content_change_without_a_bump_is_shown_not_refused(releases: tuple[Path, Path, dict[str, Any]], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    old, _, expected = releases
    folder = tmp_path / "guidance"
    shutil.copytree(expected["tree"] / "guidance", folder)  # the tree the old bundle was built from
    doc = next(p for p in sorted(folder.glob("*.yaml")) if read(p)[0]["id"] != expected["id"])
    data, _ = read(doc)
    data["risks"][0]["text"] = "Reworded without a version bump."
    _dump(doc, data)
    code, out, err = run(capsys, "diff", str(old), str(folder))
    assert code == 0, err
    assert f"{data['id']} {data['version']} -> {data['version']} (version not bumped): 1 change(s)" in out


def test_diff_reports_invalid_documents_as_located_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "x.yaml").write_text("schema: '1.0'\nid: x\n", encoding="utf-8")
    code, _, err = run(capsys, "diff", str(folder), str(folder))
    assert code == 1 and "x.yaml:1:1: CG202" in err
    code, _, err = run(capsys, "diff", str(tmp_path / "missing"), str(folder))
    assert code == 2 and "no such file or folder" in err
