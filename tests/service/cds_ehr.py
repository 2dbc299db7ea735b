"""A simulated EHR for the service tests: signs JWTs, builds hook requests and prefetch, and checks
every request and response against JSON Schemas written from the CDS Hooks 2.0 specification."""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jsonschema import Draft202012Validator, FormatChecker

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # newer Starlette warns that its test client will move to another httpx package
    from starlette.testclient import TestClient

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PATIENTS = REPO / "examples" / "patients"
ISS = "https://ehr.example.org"
KID = "ehr-key-1"
PUBLIC_URL = "https://cds.example.org/clinic"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
CANONICAL = "https://clinicguide.org/fhir"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((HERE / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


SCHEMAS = {name: _validator(name) for name in ("discovery", "request", "response", "feedback")}


def conforms(name: str, document: Any) -> None:
    errors = sorted(SCHEMAS[name].iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def assert_card_rules(response: Mapping[str, Any]) -> None:
    """The specification's rules for cards, beyond what the schema says."""
    conforms("response", response)
    seen: set[str] = set()
    for card in response["cards"]:
        assert len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert str(uuid.UUID(card["uuid"])) == card["uuid"] and card["uuid"] not in seen
        seen.add(card["uuid"])
        if card.get("suggestions"):
            assert card["selectionBehavior"] in ("at-most-one", "any")
            for suggestion in card["suggestions"]:
                assert str(uuid.UUID(suggestion["uuid"])) == suggestion["uuid"] and suggestion["uuid"] not in seen
                seen.add(suggestion["uuid"])
        for reason in card.get("overrideReasons", []):
            assert reason["display"]


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public key as a JWK with full-length coordinates (RFC 7518 6.2.1.2); some PyJWT releases shorten them."""
    size = (key.curve.key_size + 7) // 8
    numbers = key.public_numbers()

    def encoded(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode("ascii")

    return {"kty": "EC", "crv": {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[key.curve.name],
            "x": encoded(numbers.x), "y": encoded(numbers.y)}


class Signer:
    """The EHR's signing key (ES384, as the specification recommends) and its JWK Set."""

    def __init__(self, kid: str = KID, curve: ec.EllipticCurve | None = None, alg: str = "ES384") -> None:
        self.kid, self.alg = kid, alg
        self.private = ec.generate_private_key(curve or ec.SECP384R1())
        self.jwks = {"keys": [{**public_jwk(self.private.public_key()), "kid": kid, "alg": alg, "use": "sig"}]}

    def token(self, aud: str | list[str], *, iss: str = ISS, lifetime: int = 300, header: Mapping[str, Any] | None = None,
              drop: Iterable[str] = (), **claims: Any) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {"iss": iss, "aud": aud, "iat": now, "exp": now + lifetime, "jti": str(uuid.uuid4())}
        payload.update(claims)
        for name in drop:
            payload.pop(name, None)
        return jwt.encode(payload, self.private, algorithm=self.alg, headers={"kid": self.kid, "typ": "JWT", **(header or {})})


def patient_resources(name: str) -> list[dict[str, Any]]:
    bundle = json.loads((PATIENTS / f"{name}.json").read_text(encoding="utf-8"))
    return [entry["resource"] for entry in bundle["entry"]]


def _codes(resource: Mapping[str, Any]) -> set[str]:
    concepts = [resource.get(k) for k in ("code", "medicationCodeableConcept")]
    medication = resource.get("medication")
    if isinstance(medication, dict):
        concepts.append(medication.get("concept"))
    return {f"{c.get('system')}|{c.get('code')}" for concept in concepts if isinstance(concept, dict)
            for c in concept.get("coding", [])}


def search(resources: Iterable[Mapping[str, Any]], query: str) -> Any:
    """A FHIR read or search over ``resources``, as a server would answer it (patient, code, questionnaire)."""
    path, _, text = query.partition("?")
    kind, _, ident = path.partition("/")
    if ident:
        found = [r for r in resources if r["resourceType"] == kind and r.get("id") == ident]
        return found[0] if found else None
    matches = [r for r in resources if r["resourceType"] == kind]
    for name, value in parse_qsl(text):
        wanted = set(value.split(","))
        if name == "patient":
            matches = [r for r in matches
                       if (r.get("subject") or r.get("patient") or {}).get("reference", "").split("/")[-1] in wanted]
        elif name == "code":
            matches = [r for r in matches if _codes(r) & wanted]
        elif name == "questionnaire":
            matches = [r for r in matches if r.get("questionnaire", "").partition("|")[0] in wanted]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in matches]}


def prefetch_for(templates: Mapping[str, str], resources: list[dict[str, Any]], patient_id: str) -> dict[str, Any]:
    """What an EHR sends for the service's prefetch templates: each query answered, null for no data."""
    found: dict[str, Any] = {}
    for key, template in templates.items():
        answer = search(resources, template.replace("{{context.patientId}}", patient_id))
        found[key] = answer if answer is None or answer["resourceType"] != "Bundle" or answer["entry"] else None
    return found


def medication_order(patient_id: str, *, code: str = "197845", dose: float | None = 40, unit: str = "mg", ident: str = "iso-1",
                     frequency: int = 1, date: str = "2026-12-01", **extra: Any) -> dict[str, Any]:
    order: dict[str, Any] = {"resourceType": "MedicationRequest", "id": ident, "status": "draft", "intent": "order",
                             "subject": {"reference": f"Patient/{patient_id}"}, "authoredOn": date,
                             "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]}}
    if dose is not None:
        order["dosageInstruction"] = [{"timing": {"repeat": {"frequency": frequency, "period": 1, "periodUnit": "d"}},
                                       "doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM,
                                                                         "code": unit}}]}]
    order.update(extra)
    return order


def hook_request(hook: str, patient_id: str, orders: list[dict[str, Any]], *, prefetch: Mapping[str, Any] | None = None,
                 selections: list[str] | None = None, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/dr-lee", "patientId": patient_id,
                               "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                               "entry": [{"resource": copy.deepcopy(o)} for o in orders]}}
    if hook == "order-select":
        context["selections"] = selections if selections is not None else [f"{o['resourceType']}/{o['id']}" for o in orders]
    body: dict[str, Any] = {"hook": hook, "hookInstance": instance or str(uuid.uuid4()), "context": context}
    if prefetch is not None:
        body["prefetch"] = dict(prefetch)
    body.update(extra)
    return body


class Ehr:
    """An EHR calling the service: every request and response is checked against the schemas."""

    def __init__(self, client: TestClient, signer: Signer) -> None:
        self.client = client
        self.signer = signer

    def discover(self) -> dict[str, Any]:
        response = self.client.get("/cds-services", headers=self.auth("/cds-services"))
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        conforms("discovery", found)
        return found

    def templates(self, service: str = "clinicguide-order-sign") -> dict[str, str]:
        return next(s["prefetch"] for s in self.discover()["services"] if s["id"] == service)

    def auth(self, path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.signer.token(PUBLIC_URL + path)}"}

    def call(self, service: str, body: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None) -> Any:
        conforms("request", body)
        path = f"/cds-services/{service}"
        response = self.client.post(path, json=body, headers=headers if headers is not None else self.auth(path))
        assert response.status_code == status, response.text
        found = response.json()
        if status == 200:
            assert_card_rules(found)
        else:
            assert found["resourceType"] == "OperationOutcome"
        return found

    def feedback(self, service: str, body: dict[str, Any], *, status: int = 200) -> None:
        conforms("feedback", body)
        path = f"/cds-services/{service}/feedback"
        response = self.client.post(path, json=body, headers=self.auth(path))
        assert response.status_code == status, response.text


class LocalServer:
    """An HTTP server on 127.0.0.1 whose GET answers come from ``respond(path, authorization)``: (status, JSON or bytes)."""

    def __init__(self, respond: Callable[[str, str | None], tuple[int, Any]], prefix: str = "") -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server calls it by this name
                status, body = respond(self.path, self.headers.get("Authorization"))
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FhirServer(LocalServer):
    """A small FHIR server on 127.0.0.1 serving the example patients; it wants the bearer token it was given."""

    token = "test-fhir-access-token"

    def __init__(self) -> None:
        self.resources = [r for name in ("pregnant-patient", "maria-lopez", "lena-fischer", "sam-okafor")
                          for r in patient_resources(name)]
        self.requests: list[tuple[str, str | None]] = []
        super().__init__(self._respond, "/fhir")

    def _respond(self, path: str, authorization: str | None) -> tuple[int, Any]:
        self.requests.append((path, authorization))
        if authorization != f"Bearer {self.token}":
            return 401, {"resourceType": "OperationOutcome", "issue": []}
        found = search(self.resources, unquote(path.split("/fhir/", 1)[-1]))
        return (404, {"resourceType": "OperationOutcome", "issue": []}) if found is None else (200, found)
