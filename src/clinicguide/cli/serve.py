"""The service commands: ``serve`` (the CDS Hooks service), ``feedback report``, and ``jwks`` (a test key pair)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .common import source_options

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

#: Descriptions and examples for ``clinicguide COMMAND --help``.
HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "serve": (("Run the CDS Hooks 2.0 service (order-select and order-sign) under uvicorn. Every call needs a JWT "
               "signed by an issuer of the configuration; --insecure-dev turns that off on this machine only."),
              ("clinicguide serve --config service.json --workers 2",
               "clinicguide serve --insecure-dev --port 8080")),
    "feedback": ("Summaries of the feedback EHRs sent on cards.", ("clinicguide feedback report --config service.json",)),
    "feedback report": ("Accepted and overridden cards per guidance and override reason, from the feedback database.",
                        ("clinicguide feedback report --config service.json --format json",)),
    "jwks": (("Write a test key pair for signing CDS Hooks JWTs: FOLDER/private-key.jwk.json (keep it secret) and "
              "FOLDER/jwks.json (the public JWK Set to name as an issuer's jwks_file)."),
             ("clinicguide jwks test-keys/ --kid test-ehr",)),
}


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the CDS Hooks service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    serve.add_argument("--config", metavar="FILE", help="the service's JSON configuration (issuers, database, limits)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    serve.add_argument("--public-url", metavar="URL", help="the URL EHRs call, for the JWT audience "
                                                            "(default: the configuration's, else http://HOST:PORT)")
    serve.add_argument("--database", metavar="PATH|URL", help="feedback database: a SQLite file or a postgresql:// URL")
    serve.add_argument("--insecure-dev", action="store_true",
                       help="accept calls without a JWT; binds to this machine only. Never in production")
    source_options(serve)
    serve.set_defaults(run=run_serve)

    feedback = commands.add_parser("feedback", help="summaries of card feedback")
    actions = feedback.add_subparsers(dest="action", metavar="ACTION", required=True)
    report = actions.add_parser("report", help="accepted and overridden cards per guidance and override reason")
    report.add_argument("--config", metavar="FILE", help="the service's configuration (for its database)")
    report.add_argument("--database", metavar="PATH|URL", help="the database, instead of the configuration's")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.set_defaults(run=run_report)

    keys = commands.add_parser("jwks", help="write a test key pair and JWK Set for signing JWTs")
    keys.add_argument("folder", metavar="FOLDER", help="where to write private-key.jwk.json and jwks.json")
    keys.add_argument("--kid", default=None, help="the key id (default: a random one)")
    keys.set_defaults(run=run_jwks)


def _port(value: int) -> int:
    if not 0 < value < 65536:
        raise UsageError(f"--port {value} is not a TCP port (1-65535)")
    return value


def run_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise UsageError("the service needs its extra: pip install 'clinicguide[service]'") from None
    from ..service.accesslog import configure as configure_logging
    from ..service.app import CONFIG_ENV, OVERRIDES_ENV, create_app
    from ..service.config import load_config

    port = _port(args.port)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.insecure_dev and args.host not in _LOOPBACK_HOSTS:
        raise UsageError("--insecure-dev binds to this machine only: use --host 127.0.0.1")
    if args.insecure_dev and args.workers > 1:
        raise UsageError("--insecure-dev runs one worker: leave out --workers")
    overrides: dict[str, Any] = {"database": args.database, "public_url": args.public_url}
    if args.guidance:
        overrides["guidance"] = [str(Path(g).resolve()) for g in args.guidance]
    config = load_config(args.config, **overrides)
    if args.public_url is None and args.config is None:
        config = dataclasses.replace(config, public_url=f"http://{args.host}:{port}")
    if args.insecure_dev:
        config = dataclasses.replace(config, insecure_dev=True)
        print("WARNING: --insecure-dev: calls are NOT authenticated. Any program on this machine can read decisions. "
              "Never use this with real patient data.", file=sys.stderr)
    elif not config.issuers:
        raise UsageError("no issuers are configured: name the EHRs' JWK Sets in --config, or use --insecure-dev locally")
    app = create_app(config)  # checks the configuration, keys and database before any worker starts
    if args.workers == 1:
        configure_logging()
        uvicorn.run(app, host=args.host, port=port, access_log=False, log_level="warning")
        return 0
    os.environ[CONFIG_ENV] = str(Path(args.config).resolve()) if args.config else ""
    os.environ[OVERRIDES_ENV] = json.dumps({"database": config.database, "public_url": config.public_url,
                                            "guidance": list(config.guidance)})
    uvicorn.run("clinicguide.service.app:from_environment", factory=True, host=args.host, port=port, workers=args.workers,
                access_log=False, log_level="warning")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from ..service.config import load_config
    from ..service.feedback import report_json, report_text
    from ..service.store import open_store

    config = load_config(args.config, database=args.database)
    if not args.database and not args.config:
        raise UsageError("name the database: --config FILE or --database PATH|URL")
    if not config.database.startswith(("postgresql://", "postgres://")) and not Path(config.database).is_file():
        raise UsageError(f"no feedback database at {config.database}")
    rows = open_store(config.database).report()
    if args.format == "json":
        print(json.dumps(report_json(rows), indent=2))
    else:
        sys.stdout.write(report_text(rows))
    return 0


def _p384_jwk() -> dict[str, str]:
    """A new P-384 private key as a JWK, each coordinate the curve's full 48 bytes.

    RFC 7518 (6.2.1.2) requires the full length; some PyJWT releases this package allows write a
    shorter one when a coordinate starts with a zero byte, and then refuse to read it back.
    """
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    numbers = ec.generate_private_key(ec.SECP384R1()).private_numbers()

    def encoded(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(48, "big")).rstrip(b"=").decode("ascii")

    return {"kty": "EC", "crv": "P-384", "x": encoded(numbers.public_numbers.x), "y": encoded(numbers.public_numbers.y),
            "d": encoded(numbers.private_value)}


def run_jwks(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    kid = args.kid or uuid.uuid4().hex
    private: dict[str, str] = _p384_jwk()
    private.update({"kid": kid, "alg": "ES384", "use": "sig"})
    public = {k: v for k, v in private.items() if k != "d"}
    secret = folder / "private-key.jwk.json"
    try:
        descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{secret} already exists; choose another folder") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(private, stream, indent=2)
    (folder / "jwks.json").write_text(json.dumps({"keys": [public]}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {secret} (private, keep it secret) and {folder / 'jwks.json'} (public JWK Set, kid {kid})")
    return 0
