"""Feedback on cards: stored in SQLite without patient data, and reported per guidance and override reason."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from cds_ehr import CANONICAL, Ehr, hook_request, medication_order, patient_resources, prefetch_for

from clinicguide.service.config import ServiceConfig

SIGN = "clinicguide-order-sign"


def _critical_card(ehr: Ehr) -> dict[str, Any]:
    prefetch = prefetch_for(ehr.templates(), patient_resources("pregnant-patient"), "anna-berg")
    body = hook_request("order-sign", "anna-berg", [medication_order("anna-berg")], prefetch=prefetch)
    card: dict[str, Any] = ehr.call(SIGN, body)["cards"][0]
    return card


def _report(config_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clinicguide", "feedback", "report", "--config", str(config_file), *extra],
                          capture_output=True, text=True, timeout=120)


def test_feedback_is_stored_and_reported_per_guidance_and_reason(ehr: Ehr, config: ServiceConfig, config_file: Path) -> None:
    card = _critical_card(ehr)
    reason = card["overrideReasons"][1]
    ehr.feedback(SIGN, {"feedback": [
        {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:05:31Z",
         "overrideReason": {"reason": reason, "userComment": "Patient Anna Berg says the test was wrong"}},
        {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:06:00Z"},
        {"card": "0b6c41c5-3d7e-4a55-9d47-0f3f3f1d2a10", "outcome": "accepted", "outcomeTimestamp": "2026-12-01T10:07:00Z",
         "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}]},
    ]})
    with sqlite3.connect(config.database) as db:
        stored = "\n".join(str(row) for table in ("issued_cards", "feedback", "seen_tokens")
                           for row in db.execute(f"SELECT * FROM {table}"))
    assert card["uuid"] in stored and "isotretinoin-oral|1.1.0" in stored
    for patient_data in ("Anna", "anna-berg", "test was wrong", "1994-10-30", "iso-1"):
        assert patient_data not in stored

    done = _report(Path(config_file), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"guidance": "(unknown card)", "outcome": "accepted", "reason": None, "count": 1},
        {"guidance": "isotretinoin-oral|1.1.0", "outcome": "overridden", "reason": None, "count": 1},
        {"guidance": "isotretinoin-oral|1.1.0", "outcome": "overridden", "reason": reason["display"], "count": 1},
    ]
    text = _report(Path(config_file)).stdout
    assert "isotretinoin-oral|1.1.0" in text and reason["display"] in text


def test_malformed_feedback_gets_400(ehr: Ehr) -> None:
    path = f"/cds-services/{SIGN}/feedback"
    for body in ({"feedback": "x"}, {"feedback": [{"card": "not-a-uuid", "outcome": "overridden",
                                                    "outcomeTimestamp": "2026-12-01T10:05:31Z"}]},
                 {"feedback": [{"card": "0b6c41c5-3d7e-4a55-9d47-0f3f3f1d2a10", "outcome": "accepted",
                                "outcomeTimestamp": "2026-12-01T10:05:31Z"}]},
                 {"feedback": [{"card": "0b6c41c5-3d7e-4a55-9d47-0f3f3f1d2a10", "outcome": "overridden",
                                "outcomeTimestamp": "2026-12-01 10:05"}]}):
        response = ehr.client.post(path, json=body, headers=ehr.auth(path))
        assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"


def test_the_report_without_a_database_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"database": str(tmp_path / "none.sqlite3")}), encoding="utf-8")
    done = _report(tmp_path / "c.json")
    assert done.returncode == 2 and "no feedback database" in done.stderr and "Traceback" not in done.stderr


def test_feedback_needs_a_token_for_its_own_url_or_its_service(ehr: Ehr) -> None:
    card = _critical_card(ehr)
    body = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:05:31Z"}]}
    path = f"/cds-services/{SIGN}/feedback"
    assert ehr.client.post(path, json=body).status_code == 401
    assert ehr.client.post(path, json=body, headers=ehr.auth(f"/cds-services/{SIGN}")).status_code == 200
    assert ehr.client.post(path, json=body, headers=ehr.auth("/cds-services")).status_code == 401
    assert CANONICAL in card["source"]["url"]
