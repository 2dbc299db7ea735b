"""FHIR output: R4 by default, R5 on request; CarePlan, DetectedIssue, Provenance, Questionnaire, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide.errors import UsageError
from clinicguide.fhir.common import CANONICAL_BASE_ENV, DEFAULT_CANONICAL_BASE, fhir_version
from clinicguide.fhir.models import validate_resource
from clinicguide.guide import ClinicGuide, PlanResult

ROOT = Path(__file__).resolve().parents[3]
DATE = "2026-12-01"
BASE = "https://clinicguide.org/fhir"
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
SAM = json.loads((ROOT / "examples/patients/sam-okafor.json").read_text())
MARIA_ANSWERS = json.loads((ROOT / "examples/answers/maria-lopez-microneedling.json").read_text())
PREGNANT = json.loads((ROOT / "examples/patients/pregnant-patient.json").read_text())


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(canonical_base_url=BASE, entry_point_plugins=False)


@pytest.fixture(scope="module")
def plans(guide: ClinicGuide) -> dict[str, PlanResult]:
    """A few plans in both versions, built once: a caution, a contraindication, and one with issues."""
    made = {}
    for version in ("R4", "R5"):
        made[f"maria-{version}"] = guide.plan("microneedling", MARIA, date=DATE, answers=MARIA_ANSWERS,
                                              proposed={"params": {"needle-depth": "1.0 mm"}}, fhir_version=version)
        made[f"pregnant-{version}"] = guide.plan("microneedling", PREGNANT, date=DATE,
                                                 proposed={"params": {"needle-depth": "2.0 mm"}},
                                                 fhir_version=version)
    return made


def resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def one(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = resources(bundle, kind)
    return found


def full_urls(bundle: dict[str, Any], kind: str) -> list[str]:
    return [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


# -- versions --------------------------------------------------------------------------------------

def test_r4_is_the_default(guide: ClinicGuide) -> None:
    result = guide.plan("microneedling", PREGNANT, date=DATE)
    assert result.fhir_version == "R4"
    issue = resources(result.bundle, "DetectedIssue")[0]
    assert "patient" in issue and "subject" not in issue
    assert all("detail" in a for a in one(result.bundle, "CarePlan")["activity"])


@pytest.mark.parametrize(("given", "normal"),
                         [("R4", "R4"), ("r4", "R4"), ("4.0.1", "R4"), ("R4B", "R4"), ("r5", "R5"), ("5.0.0", "R5")])
def test_fhir_version_names(given: str, normal: str) -> None:
    assert fhir_version(given) == normal


@pytest.mark.parametrize("given", ["R3", "R6", "", "4"])
def test_unknown_fhir_version_is_a_usage_error(guide: ClinicGuide, given: str) -> None:
    with pytest.raises(UsageError, match="use R4 or R5"):
        guide.plan("microneedling", MARIA, date=DATE, fhir_version=given)


@pytest.mark.parametrize("key", ["maria-R4", "maria-R5", "pregnant-R4", "pregnant-R5"])
def test_plan_bundle_validates(plans: dict[str, PlanResult], key: str) -> None:
    result = plans[key]
    validate_resource(result.bundle, result.fhir_version)
    for resource in resources(result.bundle):
        validate_resource(resource, result.fhir_version)
    assert result.bundle["type"] == "collection"
    assert [e["fullUrl"] for e in result.bundle["entry"]] == [f"urn:uuid:{r['id']}" for r in resources(result.bundle)]


def test_validate_fhir_option_checks_output() -> None:
    checking = ClinicGuide(canonical_base_url=BASE, validate_fhir=True, entry_point_plugins=False)
    for version in ("R4", "R5"):
        assert checking.plan("microneedling", MARIA, date=DATE, fhir_version=version).bundle
        assert checking.checklist("isotretinoin-oral", fhir_version=version)


# -- CarePlan --------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["R4", "R5"])
def test_careplan_basics(plans: dict[str, PlanResult], version: str) -> None:
    plan = one(plans[f"maria-{version}"].bundle, "CarePlan")
    assert (plan["status"], plan["intent"]) == ("draft", "proposal")
    assert plan["subject"] == {"reference": "Patient/maria-lopez"}
    assert plan["instantiatesCanonical"] == [f"{BASE}/PlanDefinition/microneedling|1.1.0"]
    assert plan["description"].startswith("Decision: caution ")
    assert plan["created"] == DATE


def test_r4_careplan_describes_activities_inline(plans: dict[str, PlanResult]) -> None:
    plan = one(plans["maria-R4"].bundle, "CarePlan")
    assert "contained" not in plan
    first = plan["activity"][0]["detail"]
    assert first["kind"] == "ServiceRequest" and "Proposed: needle-depth 1 mm. Decision: caution." in first["description"]
    assert first["scheduledPeriod"] == {"start": DATE, "end": DATE}
    exercise = next(a["detail"] for a in plan["activity"] if "hard exercise" in a["detail"]["description"])
    assert exercise["scheduledPeriod"] == {"start": DATE, "end": "2026-12-04"}  # 72 hours


def test_r5_careplan_references_contained_resources(plans: dict[str, PlanResult]) -> None:
    plan = one(plans["maria-R5"].bundle, "CarePlan")
    contained = {r["id"]: r for r in plan["contained"]}
    refs = [a["plannedActivityReference"]["reference"] for a in plan["activity"]]
    assert all("detail" not in a for a in plan["activity"])
    assert refs == [f"#{ident}" for ident in contained]  # every activity points at its own contained resource
    assert len(refs) == len(one(plans["maria-R4"].bundle, "CarePlan")["activity"])
    intervention = contained["intervention"]
    assert intervention["resourceType"] == "ServiceRequest" and "doNotPerform" not in intervention
    assert {r["resourceType"] for r in contained.values()} <= {"ServiceRequest", "Task", "MedicationRequest"}


def test_contraindicated_plan_does_not_perform_the_intervention(plans: dict[str, PlanResult]) -> None:
    assert plans["pregnant-R4"].decision == "contraindicated"
    r4 = one(plans["pregnant-R4"].bundle, "CarePlan")
    assert r4["activity"][0]["detail"]["doNotPerform"] is True
    assert not any(a["detail"].get("doNotPerform") for a in r4["activity"][1:])
    r5 = one(plans["pregnant-R5"].bundle, "CarePlan")
    contained = {r["id"]: r for r in r5["contained"]}
    assert contained["intervention"]["doNotPerform"] is True
    assert [r["id"] for r in contained.values() if r.get("doNotPerform")] == ["intervention"]
    assert "doNotPerform" not in one(plans["maria-R4"].bundle, "CarePlan")["activity"][0]["detail"]


def test_medication_plan_uses_medication_request(guide: ClinicGuide) -> None:
    r5 = guide.plan("isotretinoin-oral", SAM, date=DATE,
                    proposed={"dose": "50 mg/d", "last_treatment": "never"}, fhir_version="R5")
    intervention = one(r5.bundle, "CarePlan")["contained"][0]
    assert intervention["resourceType"] == "MedicationRequest" and intervention["medication"]["concept"]["text"]
    r4 = guide.plan("isotretinoin-oral", SAM, date=DATE, proposed={"dose": "50 mg/d", "last_treatment": "never"})
    assert one(r4.bundle, "CarePlan")["activity"][0]["detail"]["kind"] == "MedicationRequest"


def test_monitoring_that_cannot_apply_is_left_out(guide: ClinicGuide) -> None:
    def monitoring(patient: dict[str, Any]) -> list[str]:
        plan = one(guide.plan("isotretinoin-oral", patient, date=DATE).bundle, "CarePlan")
        return [a["detail"]["description"] for a in plan["activity"] if a["detail"]["description"].startswith("Monitoring")]
    male = monitoring(SAM)
    female = monitoring({"id": "f", "gender": "female"})
    unknown = monitoring({"id": "u"})
    assert not [m for m in male if "pregnancy test" in m]
    assert len([m for m in female if "pregnancy test" in m]) == 2
    assert len([m for m in unknown if "pregnancy test" in m]) == 2  # sex unknown: kept
    lipids = next(a["detail"] for a in one(guide.plan("isotretinoin-oral", SAM, date=DATE).bundle, "CarePlan")["activity"]
                  if a["detail"]["description"].startswith("Monitoring (lab): Fasting lipid"))
    assert lipids["scheduledTiming"]["event"] == [DATE, "2026-12-29"]  # baseline and 4 weeks
    assert lipids["code"]["coding"][0]["code"] == "57698-3"


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_careplan_addresses_the_patients_indication(guide: ClinicGuide, version: str) -> None:
    plan = one(guide.plan("salicylic-acid-topical", SAM, date=DATE, fhir_version=version).bundle, "CarePlan")
    expected = {"reference": "Condition/sam-acne"}
    assert plan["addresses"] == ([expected] if version == "R4" else [{"reference": expected}])
    maria = one(guide.plan("salicylic-acid-topical", MARIA, date=DATE, fhir_version=version).bundle, "CarePlan")
    assert "addresses" not in maria  # her acne is inactive


# -- DetectedIssue ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["R4", "R5"])
def test_detected_issue_per_non_eligible_finding(plans: dict[str, PlanResult], version: str) -> None:
    result = plans[f"pregnant-{version}"]
    issues = resources(result.bundle, "DetectedIssue")
    flagged = [f for f in result.findings if f.outcome != "eligible"]
    assert [i["code"]["text"] for i in issues] == [f.code for f in flagged]
    assert [i["severity"] for i in issues] == [f.severity for f in flagged]
    subject_key, other = ("patient", "subject") if version == "R4" else ("subject", "patient")
    for issue, finding in zip(issues, flagged, strict=True):
        assert issue[subject_key] == {"reference": "Patient/anna-berg"} and other not in issue
        assert issue["reference"] == f"{BASE}/PlanDefinition/microneedling|1.1.0"
        assert finding.item in issue["detail"] and "microneedling|1.1.0" in issue["detail"]
        assert issue["code"]["coding"][0]["system"] == f"{BASE}/CodeSystem/finding"
    pregnancy = issues[[f.item for f in flagged].index("ci-pregnancy")]
    assert pregnancy["severity"] == "high"
    assert pregnancy["implicated"] == [{"reference": "Observation/anna-pregnancy-status"}]


@pytest.mark.parametrize("key", ["maria-R4", "maria-R5", "pregnant-R4", "pregnant-R5"])
def test_supporting_info_references_every_detected_issue(plans: dict[str, PlanResult], key: str) -> None:
    bundle = plans[key].bundle
    plan = one(bundle, "CarePlan")
    issues = full_urls(bundle, "DetectedIssue")
    assert issues, "each of these plans has at least one issue"
    answers = full_urls(bundle, "QuestionnaireResponse")  # the answers the decision used, after the issues
    assert [s["reference"] for s in plan["supportingInfo"]] == issues + answers


def test_eligible_plan_has_no_issues(guide: ClinicGuide) -> None:
    result = guide.plan("salicylic-acid-topical", {"id": "x"}, date=DATE,
                        answers={"ci-hypersensitivity": "no", "ci-other-topical-acne": "no"},
                        proposed={"params": {"concentration": "1 %"}})
    assert result.decision == "eligible" and len(result.findings) == 1
    assert not resources(result.bundle, "DetectedIssue")
    # the plan still points at the answers it rests on, and only at them
    answers = full_urls(result.bundle, "QuestionnaireResponse")
    assert [s["reference"] for s in one(result.bundle, "CarePlan")["supportingInfo"]] == answers
    bare = guide.plan("salicylic-acid-topical", {"id": "x"}, date=DATE, proposed={"params": {"concentration": "1 %"}}).bundle
    assert not resources(bare, "QuestionnaireResponse")  # nothing was answered: no response
    assert [s["reference"] for s in one(bare, "CarePlan")["supportingInfo"]] == full_urls(bare, "DetectedIssue")


def test_subject_without_patient_id(guide: ClinicGuide) -> None:
    result = guide.plan("salicylic-acid-topical", {"gender": "female"}, date=DATE, fhir_version="R5")
    validate_resource(one(result.bundle, "CarePlan"), "R5")
    assert one(result.bundle, "CarePlan")["subject"] == {"display": "patient (no id given)"}


# -- Provenance ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["maria-R4", "maria-R5", "pregnant-R4", "pregnant-R5"])
def test_provenance_targets_everything_else(plans: dict[str, PlanResult], key: str, guide: ClinicGuide) -> None:
    bundle = plans[key].bundle
    provenance = one(bundle, "Provenance")
    others = [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] != "Provenance"]
    assert [t["reference"] for t in provenance["target"]] == others
    identifiers = [e["what"].get("identifier", {}).get("value") for e in provenance["entity"]]
    assert f"{BASE}/PlanDefinition/microneedling|1.1.0" in identifiers
    assert f"sha256:{guide.library.digest}" in identifiers and len(guide.library.digest) == 64
    assert any("microneedling|1.1.0" in e["what"].get("display", "") for e in provenance["entity"])
    assert provenance["agent"][0]["who"]["display"].startswith("clinicguide ")
    assert provenance["recorded"] == f"{DATE}T00:00:00Z"


# -- canonical base --------------------------------------------------------------------------------

def _canonical(guide: ClinicGuide) -> str:
    return one(guide.plan("microneedling", MARIA, date=DATE).bundle, "CarePlan")["instantiatesCanonical"][0]


def test_canonical_base_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CANONICAL_BASE_ENV, "https://env.example/fhir")
    guide = ClinicGuide(canonical_base_url="https://clinic.example/fhir/", entry_point_plugins=False)
    assert _canonical(guide) == "https://clinic.example/fhir/PlanDefinition/microneedling|1.1.0"
    checklist = guide.checklist("microneedling")
    assert checklist["url"] == "https://clinic.example/fhir/Questionnaire/microneedling-consent"


def test_canonical_base_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CANONICAL_BASE_ENV, "http://env.example/fhir")
    guide = ClinicGuide(entry_point_plugins=False)
    assert _canonical(guide) == "http://env.example/fhir/PlanDefinition/microneedling|1.1.0"
    provenance = one(guide.plan("microneedling", MARIA, date=DATE).bundle, "Provenance")
    assert provenance["entity"][1]["what"]["identifier"]["system"].startswith("http://env.example/fhir/")


def test_canonical_base_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CANONICAL_BASE_ENV, raising=False)
    assert _canonical(ClinicGuide(entry_point_plugins=False)) == f"{DEFAULT_CANONICAL_BASE}/PlanDefinition/microneedling|1.1.0"


@pytest.mark.parametrize("base", ["clinic.example/fhir", "ftp://clinic.example", "urn:clinic"])
def test_canonical_base_must_be_http(monkeypatch: pytest.MonkeyPatch, base: str) -> None:
    with pytest.raises(UsageError, match="must be an http"):
        ClinicGuide(canonical_base_url=base)
    monkeypatch.setenv(CANONICAL_BASE_ENV, base)
    with pytest.raises(UsageError, match="must be an http"):
        ClinicGuide(entry_point_plugins=False)


# -- Questionnaire ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["R4", "R5"])
def test_checklist_has_one_required_boolean_per_consent_item(guide: ClinicGuide, version: str) -> None:
    for doc in guide.library:
        checklist = guide.checklist(doc.id, fhir_version=version)
        validate_resource(checklist, version)
        assert (checklist["url"], checklist["version"]) == (f"{BASE}/Questionnaire/{doc.id}-consent", doc.version)
        groups = checklist["item"]
        assert all(g["type"] == "group" for g in groups)
        conditions = {c.applies_when.key for c in doc.consent if c.applies_when}
        questions = [i for g in groups for i in g["item"] if i["linkId"] not in conditions]
        assert sorted(q["linkId"] for q in questions) == sorted(c.id for c in doc.consent)
        assert all(q["type"] == "boolean" and q["required"] is True for q in questions)
        shown: set[str] = set()
        for item in doc.consent:  # each risk under the first statement that discloses it
            question = next(q for q in questions if q["linkId"] == item.id)
            displays = question.get("item", [])
            first = [r for r in item.discloses if r not in shown]
            shown.update(first)
            assert [d["linkId"] for d in displays] == [f"{item.id}.{r}" for r in first]
            assert all(d["type"] == "display" and d["text"].endswith(doc.risk(d["linkId"].split(".")[1]).text)
                       for d in displays)


def test_checklist_groups_in_reading_order(guide: ClinicGuide) -> None:
    groups = [g["linkId"] for g in guide.checklist("microneedling")["item"]]
    assert groups == ["section-procedure", "section-risks", "section-alternatives"]


def test_checklist_is_the_same_in_the_plan(plans: dict[str, PlanResult], guide: ClinicGuide) -> None:
    assert one(plans["maria-R4"].bundle, "Questionnaire") == guide.checklist("microneedling")


# -- export ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["R4", "R5"])
def test_export_bundle(guide: ClinicGuide, version: str) -> None:
    bundle = guide.export(version)
    validate_resource(bundle, version)
    for resource in resources(bundle):
        validate_resource(resource, version)
    for doc in guide.library:
        plan = [r for r in resources(bundle, "PlanDefinition") if r["url"] == f"{BASE}/PlanDefinition/{doc.id}"]
        checklist = [r for r in resources(bundle, "Questionnaire") if r["url"] == f"{BASE}/Questionnaire/{doc.id}-consent"]
        assert len(plan) == 1 and len(checklist) == 1, doc.id
        assert plan[0]["version"] == doc.version and plan[0]["status"] == doc.status
        activities = [r for r in resources(bundle, "ActivityDefinition")
                      if r["url"].startswith(f"{BASE}/ActivityDefinition/{doc.id}-")]
        assert len(activities) == len(doc.regimens)
        regimens = [a for group in plan[0]["action"] if group["id"] == "regimens" for a in group["action"]]
        assert [a["definitionCanonical"] for a in regimens] == [f"{a['url']}|{doc.version}" for a in activities]
        consent = [a["definitionCanonical"] for a in plan[0]["action"] if a["id"] == "consent"]
        assert consent == [f"{checklist[0]['url']}|{doc.version}"]
    # A fullUrl is the resource's RESTful URL: it agrees with the id and carries no version.
    assert [e["fullUrl"] for e in bundle["entry"]] == [f"{BASE}/{r['resourceType']}/{r['id']}" for r in resources(bundle)]
    assert not [e["fullUrl"] for e in bundle["entry"] if "|" in e["fullUrl"] or "_history" in e["fullUrl"]]
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])


def test_export_is_deterministic(guide: ClinicGuide) -> None:
    other = ClinicGuide(canonical_base_url=BASE, entry_point_plugins=False)
    assert json.dumps(guide.export("R5"), sort_keys=True) == json.dumps(other.export("R5"), sort_keys=True)


def test_export_carries_dose_ranges_for_medications(guide: ClinicGuide) -> None:
    definitions = {r["url"].rsplit("/", 1)[1]: r for r in resources(guide.export("R4"), "ActivityDefinition")}
    label = definitions["isotretinoin-oral-reg-label"]
    dose = label["dosage"][0]["doseAndRate"][0]["doseRange"]
    assert (dose["low"]["value"], dose["high"]["value"], dose["low"]["code"]) == (0.5, 1.0, "mg/kg/d")
    assert "dosage" not in definitions["microneedling-reg-medical-pen"]
