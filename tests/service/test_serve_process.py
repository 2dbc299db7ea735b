"""A real ``clinicguide serve`` process on 127.0.0.1, called over HTTP like an EHR would."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cds_ehr import (
    PUBLIC_URL,
    Signer,
    assert_card_rules,
    conforms,
    hook_request,
    medication_order,
    patient_resources,
    prefetch_for,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _clinicguide(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def served(config_file: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "clinicguide", "serve", "--config", str(config_file), "--port", str(port),
                                "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"clinicguide serve stopped: {process.stderr.read() if process.stderr else ''}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("clinicguide serve did not answer /healthz within 90 s")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_an_ehr_discovers_and_calls_the_served_service(served: str, signer: Signer) -> None:
    def auth(path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {signer.token(PUBLIC_URL + path)}"}

    discovered = httpx.get(served + "/cds-services", headers=auth("/cds-services"), timeout=30).json()
    conforms("discovery", discovered)
    assert {s["hook"] for s in discovered["services"]} == {"order-select", "order-sign"}
    templates = discovered["services"][0]["prefetch"]
    prefetch = prefetch_for(templates, patient_resources("pregnant-patient"), "anna-berg")
    body = hook_request("order-sign", "anna-berg", [medication_order("anna-berg")], prefetch=prefetch)
    conforms("request", body)
    path = "/cds-services/clinicguide-order-sign"
    for _ in range(4):  # both workers answer the same way
        response = httpx.post(served + path, json=body, headers=auth(path), timeout=30)
        assert response.status_code == 200, response.text
        assert_card_rules(response.json())
        assert response.json()["cards"][0]["indicator"] == "critical"
    replay = auth(path)
    assert httpx.post(served + path, json=body, headers=replay, timeout=30).status_code == 200
    assert httpx.post(served + path, json=body, headers=replay, timeout=30).status_code == 401  # whichever worker
    metrics = httpx.get(served + "/metrics", timeout=30).text
    assert "clinicguide_request_seconds" in metrics


def test_serve_refuses_unsafe_or_broken_set_ups(tmp_path: Path) -> None:
    loud = _clinicguide("serve", "--insecure-dev", "--host", "0.0.0.0")
    assert loud.returncode == 2 and "this machine only" in loud.stderr
    assert _clinicguide("serve").returncode == 2  # no issuers and not --insecure-dev
    assert _clinicguide("serve", "--insecure-dev", "--workers", "2").returncode == 2
    (tmp_path / "bad.json").write_text(json.dumps({"issuers": [{"iss": "https://x", "jwks_file": "missing.json"}]}))
    broken = _clinicguide("serve", "--config", str(tmp_path / "bad.json"))
    assert broken.returncode == 2 and "missing.json" in broken.stderr and "Traceback" not in broken.stderr
    (tmp_path / "typo.json").write_text(json.dumps({"isuers": []}))
    typo = _clinicguide("serve", "--config", str(tmp_path / "typo.json"))
    assert typo.returncode == 2 and "isuers" in typo.stderr


@pytest.mark.parametrize("command", ["serve", "feedback report", "jwks"])
def test_the_service_commands_help_has_a_description_an_example_and_the_exit_codes(command: str) -> None:
    text = _clinicguide(*command.split(), "--help").stdout
    assert text.startswith(f"usage: clinicguide {command}")
    assert f"clinicguide {command}" in text.split("example", 1)[1]
    assert "exit codes: 0 ok" in text


def test_jwks_writes_a_key_pair_the_service_accepts(tmp_path: Path) -> None:
    done = _clinicguide("jwks", str(tmp_path / "keys"), "--kid", "clinic-test")
    assert done.returncode == 0, done.stderr
    private = json.loads((tmp_path / "keys" / "private-key.jwk.json").read_text())
    public = json.loads((tmp_path / "keys" / "jwks.json").read_text())
    assert private["kid"] == "clinic-test" and "d" in private and all("d" not in k for k in public["keys"])
    assert (tmp_path / "keys" / "private-key.jwk.json").stat().st_mode & 0o077 == 0
    assert _clinicguide("jwks", str(tmp_path / "keys")).returncode == 2  # never overwrites a key
    import jwt

    from clinicguide.service.keys import verifying_key

    token = jwt.encode({"sub": "x"}, jwt.PyJWK(private).key, algorithm="ES384", headers={"kid": "clinic-test"})
    key = verifying_key(tuple(public["keys"]), "clinic-test", "ES384")
    assert jwt.decode(token, key, algorithms=["ES384"]) == {"sub": "x"}
