"""The JWT security model: every failure mode gets the same bare 401, and nothing but a good token passes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cds_ehr import ISS, KID, PUBLIC_URL, Ehr, Signer, TestClient, hook_request, medication_order
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PATH = "/cds-services/clinicguide-order-sign"
AUD = PUBLIC_URL + PATH


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(signer: Signer) -> str:
    now = int(time.time())
    payload = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": "none-alg"}
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': KID})}.{_b64(payload)}."


def _hs256(signer: Signer) -> str:
    # The classic confusion attack: an HMAC signed with the public key's text as the secret.
    # Signed by hand: PyJWT itself refuses to use a JWK's text as an HMAC secret.
    now = int(time.time())
    secret = json.dumps(signer.jwks["keys"][0]).encode()
    claims = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": "hs"}
    signing = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': KID})}.{_b64(claims)}"
    mac = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _other_key(signer: Signer) -> str:
    return Signer().token(AUD)  # same kid, a key the service does not know


def _rsa_with_ec_kid(signer: Signer) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return jwt.encode({"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": "rsa"}, key, algorithm="RS384",
                      headers={"kid": KID, "typ": "JWT"})


def _tampered(signer: Signer) -> str:
    header, payload, signature = signer.token(AUD).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["tenant"] = "another"
    return f"{header}.{_b64(claims)}.{signature}"


FAILURES: dict[str, Callable[[Signer], str | None]] = {
    "no Authorization header": lambda s: None,
    "not a bearer token": lambda s: "Basic " + base64.b64encode(b"user:pass").decode(),
    "not a JWT": lambda s: "Bearer not-a-jwt",
    "a header that nests too deeply": lambda s: "Bearer " + base64.urlsafe_b64encode(b"[" * 5000).decode() + ".e30.sig",
    "a header that is not JSON": lambda s: "Bearer " + base64.urlsafe_b64encode(b"\xff\xfe").decode() + ".e30.sig",
    "alg none": lambda s: "Bearer " + _unsigned(s),
    "alg HS256 (symmetric)": lambda s: "Bearer " + _hs256(s),
    "signed by an unknown key": lambda s: "Bearer " + _other_key(s),
    "a key of another type under the kid": lambda s: "Bearer " + _rsa_with_ec_kid(s),
    "payload changed after signing": lambda s: "Bearer " + _tampered(s),
    "issuer not allow-listed": lambda s: "Bearer " + s.token(AUD, iss="https://rogue.example.org"),
    "audience of another service": lambda s: "Bearer " + s.token(PUBLIC_URL + "/cds-services/other"),
    "audience of another host": lambda s: "Bearer " + s.token("https://evil.example.org" + PATH),
    "no audience": lambda s: "Bearer " + s.token(AUD, drop=["aud"]),
    "expired": lambda s: "Bearer " + s.token(AUD, iat=int(time.time()) - 600, exp=int(time.time()) - 300),
    "no exp": lambda s: "Bearer " + s.token(AUD, drop=["exp"]),
    "no iat": lambda s: "Bearer " + s.token(AUD, drop=["iat"]),
    "iat in the future": lambda s: "Bearer " + s.token(AUD, iat=int(time.time()) + 600, exp=int(time.time()) + 900),
    "lives longer than allowed": lambda s: "Bearer " + s.token(AUD, lifetime=7200),
    "no jti": lambda s: "Bearer " + s.token(AUD, drop=["jti"]),
    "kid unknown": lambda s: "Bearer " + jwt.encode({"iss": ISS, "aud": AUD, "iat": int(time.time()),
                                                      "exp": int(time.time()) + 60, "jti": "k"}, s.private,
                                                     algorithm="ES384", headers={"kid": "other", "typ": "JWT"}),
    "typ not JWT": lambda s: "Bearer " + s.token(AUD, header={"typ": "at+jwt"}),
    "jku not allow-listed": lambda s: "Bearer " + s.token(AUD, header={"jku": "https://evil.example.org/jwks"}),
}


def _body() -> dict[str, Any]:
    return hook_request("order-sign", "anna-berg", [medication_order("anna-berg", code="161")])


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_every_jwt_failure_gets_a_bare_401(ehr: Ehr, signer: Signer, failure: str) -> None:
    authorization = FAILURES[failure](signer)
    headers = {} if authorization is None else {"Authorization": authorization}
    outcome = ehr.call("clinicguide-order-sign", _body(), status=401, headers=headers)
    assert outcome["issue"][0]["diagnostics"] == "unauthorized"  # no hint at what failed


def test_a_replayed_token_gets_401(ehr: Ehr, signer: Signer) -> None:
    headers = {"Authorization": "Bearer " + signer.token(AUD)}
    ehr.call("clinicguide-order-sign", _body(), headers=headers)
    ehr.call("clinicguide-order-sign", _body(), status=401, headers=headers)


def test_a_good_token_passes_with_aud_as_a_list_and_discovery_needs_its_own(ehr: Ehr, signer: Signer) -> None:
    ehr.call("clinicguide-order-sign", _body(), headers={"Authorization": "Bearer " + signer.token([AUD])})
    wrong = {"Authorization": "Bearer " + signer.token(AUD)}  # a service's audience is not the discovery endpoint's
    assert ehr.client.get("/cds-services", headers=wrong).status_code == 401
    assert ehr.client.get("/cds-services").status_code == 401
    ehr.discover()


def test_a_p256_key_cannot_sign_es384(ehr: Ehr, signer: Signer, tmp_path: Any) -> None:
    other = Signer(curve=ec.SECP256R1(), alg="ES256")
    now = int(time.time())
    token = jwt.encode({"iss": ISS, "aud": AUD, "iat": now, "exp": now + 60, "jti": "p256"}, other.private,
                       algorithm="ES256", headers={"kid": KID, "typ": "JWT"})
    ehr.call("clinicguide-order-sign", _body(), status=401, headers={"Authorization": "Bearer " + token})


def test_health_metrics_and_the_questionnaire_need_no_token(ehr: Ehr) -> None:
    assert ehr.client.get("/healthz").json()["status"] == "ok"
    assert ehr.client.get("/metrics").status_code == 200
    assert ehr.client.get("/guidance/microneedling/1.1.0/screening-questionnaire").status_code == 200


def test_cors_answers_only_the_configured_origins(config: Any, guide: Any) -> None:
    import dataclasses

    from clinicguide.service.app import create_app

    allowed = "https://ehr.example.org"
    app = create_app(dataclasses.replace(config, cors_origins=(allowed,)), guide=guide)
    with TestClient(app) as client:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
        good = client.options(PATH, headers={"Origin": allowed, **preflight})
        assert good.status_code == 200 and good.headers["access-control-allow-origin"] == allowed
        bad = client.options(PATH, headers={"Origin": "https://evil.example.org", **preflight})
        assert "access-control-allow-origin" not in bad.headers


def test_a_jku_on_the_issuer_s_allow_list_is_fetched_once_and_cached(tmp_path: Any, signer: Signer, guide: Any) -> None:
    from cds_ehr import LocalServer

    from clinicguide.service.app import create_app
    from clinicguide.service.config import load_config

    fetched: list[str] = []

    def respond(path: str, authorization: str | None) -> tuple[int, Any]:
        fetched.append(path)
        return 200, signer.jwks

    server = LocalServer(respond)
    jku = f"{server.base}/jwks"
    try:
        (tmp_path / "jku.json").write_text(json.dumps({"public_url": PUBLIC_URL, "database": str(tmp_path / "db.sqlite3"),
                                                       "issuers": [{"iss": ISS, "jku": [jku]}]}))
        with TestClient(create_app(load_config(tmp_path / "jku.json"), guide=guide)) as client:
            ehr = Ehr(client, signer)
            for _ in range(2):
                token = signer.token(AUD, header={"jku": jku})
                ehr.call("clinicguide-order-sign", _body(), headers={"Authorization": "Bearer " + token})
            assert fetched == ["/jwks"]  # cached
            other = signer.token(AUD, header={"jku": jku + "-other"})
            ehr.call("clinicguide-order-sign", _body(), status=401, headers={"Authorization": "Bearer " + other})
            without = signer.token(AUD)  # no jku and no key file for this issuer
            ehr.call("clinicguide-order-sign", _body(), status=401, headers={"Authorization": "Bearer " + without})
    finally:
        server.close()


def test_the_environment_cannot_turn_authentication_off(monkeypatch: pytest.MonkeyPatch, config_file: Any) -> None:
    from clinicguide.errors import UsageError
    from clinicguide.service.app import CONFIG_ENV, OVERRIDES_ENV, from_environment

    monkeypatch.setenv(CONFIG_ENV, str(config_file))
    monkeypatch.setenv(OVERRIDES_ENV, json.dumps({"insecure_dev": True}))
    with pytest.raises(UsageError, match="insecure_dev"):
        from_environment()
    monkeypatch.setenv(OVERRIDES_ENV, "{}")
    assert from_environment().state.service.config.insecure_dev is False
