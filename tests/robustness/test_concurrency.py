"""One loaded library shared by many threads gives exactly what one thread gives."""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide, InputError, load_library

THREADS, PLANS_PER_THREAD = 8, 250
SNOMED, RXNORM = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm"


def _requests() -> list[dict[str, Any]]:
    """250 different plan requests over every guidance, patient shape, proposal, date and FHIR version."""
    patients = [
        {"id": "t1", "birthDate": "1991-03-14", "gender": "female", "weight": "62 kg"},
        {"id": "t2", "birthDate": "2010-01-01", "gender": "male",
         "conditions": [{"code": f"{SNOMED}|235055003", "status": "active"}]},
        {"id": "t3", "weight": "80 kg",
         "medications": [{"code": f"{RXNORM}|197844", "status": "completed", "start": "2026-02-01", "end": "2026-08-15"}]},
        {"id": "t4", "gender": "female", "conditions": [{"code": f"{SNOMED}|77386006", "verification": "refuted"}],
         "observations": [{"code": "http://loinc.org|82810-3", "valueCode": f"{SNOMED}|60001007", "date": "2026-12-01"}]},
        {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Patient", "id": "t5", "birthDate": "1985-07", "gender": "other"}},
            {"resource": {"resourceType": "Condition", "id": "c1", "code": {"coding": [{"system": SNOMED, "code": "11381005"}]},
                          "clinicalStatus": {"coding": [{"code": "active"}]}}}]},
    ]
    proposals: dict[str, list[Any]] = {
        "microneedling": [{"params": {"needle-depth": d}, "last_treatment": "never"}
                          for d in ("0.5 mm", "1.0 mm", "2 mm")] + [None],
        "isotretinoin-oral": [{"dose": d, "last_treatment": lt}
                              for d in ("20 mg/d", "0.5 mg/kg/d", "3 mg/kg/d") for lt in ("never", None)],
        "botulinum-toxin-glabellar": [{"dose": "20 [USP'U]", "last_treatment": lt}
                                      for lt in ("never", "2026-11-15", "2026-05-01")],
        "salicylic-acid-topical": [None], "ha-dermal-filler": [None], "laser-enlarged-pores": [None],
    }
    requests = []
    guidance_ids = sorted(proposals)
    for index in range(PLANS_PER_THREAD):
        guidance = guidance_ids[index % len(guidance_ids)]
        options = proposals[guidance]
        requests.append({
            "guidance_id": guidance, "patient": patients[index % len(patients)], "proposed": options[index % len(options)],
            "date": ("2026-12-01", "2027-03-15", "2025-06-30")[index % 3], "fhir_version": ("R4", "R5")[index % 2],
            "answers": {"ci-pregnancy": "no"} if guidance in ("microneedling", "isotretinoin-oral") and index % 4 == 0 else {},
        })
    return requests


def _run(guide: ClinicGuide, request: dict[str, Any]) -> str:
    options = dict(request)
    try:
        result = guide.plan(options.pop("guidance_id"), options.pop("patient"), **options)
    except InputError as exc:
        return f"InputError: {exc}"
    return json.dumps({"decision": result.decision, "bundle": result.bundle}, sort_keys=True)


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def test_eight_threads_give_what_one_thread_gives(guide: ClinicGuide) -> None:
    requests = _requests()
    expected = [_run(guide, r) for r in requests]
    assert sum(e.startswith("InputError") for e in expected) < len(expected) // 10  # the requests mostly plan
    assert len({json.loads(e)["decision"] for e in expected if not e.startswith("InputError")}) >= 3
    before = hashlib.sha256(repr(guide.library).encode()).hexdigest()
    start = threading.Barrier(THREADS)

    def worker(offset: int) -> list[str]:
        start.wait()  # all threads plan at once
        order = requests[offset:] + requests[:offset]  # different threads on different requests at the same moment
        results = [_run(guide, r) for r in order]
        return results[-offset:] + results[:-offset] if offset else results

    with ThreadPoolExecutor(THREADS) as pool:
        outputs = list(pool.map(worker, [i * 31 for i in range(THREADS)]))
    for thread, output in enumerate(outputs):
        mismatched = [i for i, (got, want) in enumerate(zip(output, expected, strict=True)) if got != want]
        assert not mismatched, f"thread {thread}: {len(mismatched)} plans differ, first at request {mismatched[0]}"
    assert hashlib.sha256(repr(guide.library).encode()).hexdigest() == before, "the shared library changed"


def test_checklists_and_exports_under_threads(guide: ClinicGuide) -> None:
    ids = guide.library.ids()
    expected = {gid: json.dumps(guide.checklist(gid), sort_keys=True) for gid in ids}
    expected["export"] = json.dumps(guide.export("R5"), sort_keys=True)

    def worker(_: int) -> dict[str, str]:
        found = {gid: json.dumps(guide.checklist(gid), sort_keys=True) for gid in ids}
        found["export"] = json.dumps(guide.export("R5"), sort_keys=True)
        return found

    with ThreadPoolExecutor(THREADS) as pool:
        assert all(result == expected for result in pool.map(worker, range(THREADS)))


def test_loading_in_parallel_gives_the_same_library(tmp_path: Path) -> None:
    def load(_: int) -> tuple[str, tuple[str, ...]]:
        library = load_library(plugins=False)
        return library.digest, tuple(g.ref for g in library)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(load, range(4)))
    assert len(set(results)) == 1
