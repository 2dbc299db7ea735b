"""A bundle's own schemas are hostile: verify and diff fetch nothing, read nothing outside, never hang, leave nothing.

The bundles below are re-packed with their manifest rewritten to match, as an attacker
who controls the whole bundle would. Each must be refused with a located CG406 (or, for
a file that is no schema at all, CG404), exit 1, no traceback, and an empty temporary folder.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from bundles import SCHEMA, repack, title

from clinicguide.content.ecmaregex import UnsafePattern, compile_pattern
from clinicguide.content.schemas import SchemaValidator
from clinicguide.release import build, verify
from clinicguide.release.bundle_schemas import unusable_schemas

REPO = Path(__file__).resolve().parents[2]
SECRET = "Qzx-secret-canary-4471"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "release.tar.gz"
    build.write(build.build(), path)
    return path


def run(*args: str, tmp: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real command, with its own temporary folder (to see what it leaves) and a hang guard."""
    tmp.mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "TMPDIR": str(tmp)}, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    assert list(tmp.iterdir()) == [], "left behind in the temporary folder"
    return result


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.hits.append(self.path)
        body = json.dumps({"type": "string"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A local HTTP server that answers every request with a schema, and records it."""
    Recorder.hits = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"type": "string", "description": SECRET}), encoding="utf-8")
    return path


# -- class 1: references out of the bundle ----------------------------------------------------

REFERENCES: list[tuple[str, Callable[[str, Path], Callable[[dict[str, Any]], None]]]] = [
    ("http", lambda url, secret: title({"$ref": f"{url}/schema.json"})),
    ("file", lambda url, secret: title({"$ref": secret.as_uri()})),
    ("relative path", lambda url, secret: title({"$ref": "../../../../../../etc/passwd"})),
    ("dynamic", lambda url, secret: title({"$dynamicRef": f"{url}/dynamic.json#x"})),
    ("base moved by $id", lambda url, secret: title({"$id": f"{url}/base/", "$ref": "other.json"})),
    ("file base by $id", lambda url, secret: title({"$id": secret.parent.as_uri() + "/", "$ref": secret.name})),
    ("own file, missing part", lambda url, secret: title({"$ref": "#/$defs/no-such-definition"})),
    ("unknown anchor", lambda url, secret: title({"$ref": "#no-such-anchor"})),
    # A pointer can make any part of the file a schema, so a reference under an unknown keyword counts too.
    ("hidden under an unknown keyword", lambda url, secret: (
        lambda schema: (schema.__setitem__("x-hidden", {"$ref": f"{url}/hidden.json"}),
                        schema["properties"].__setitem__("title", {"$ref": "#/x-hidden"})))),
    ("another dialect", lambda url, secret: lambda schema: schema.__setitem__("$schema", f"{url}/meta.json")),
    ("dialect changed below the root", lambda url, secret: title({"$schema": f"{url}/meta.json", "type": "string"})),
]


@pytest.mark.parametrize(("case", "change"), REFERENCES, ids=[c for c, _ in REFERENCES])
def test_a_reference_outside_the_bundle_is_located_and_nothing_is_fetched_or_read(
        case: str, change: Callable[[str, Path], Callable[[dict[str, Any]], None]],
        good: Path, tmp_path: Path, server: str, secret: Path) -> None:
    bundle = repack(good, tmp_path / "hostile.tar.gz", change(server, secret))
    for args in (["release", "verify", str(bundle)], ["diff", str(good), str(bundle)]):
        done = run(*args, tmp=tmp_path / "tmp")
        assert done.returncode == 1, done.stderr
        assert re.search(rf"{re.escape(SCHEMA)}:[1-9][0-9]*:[1-9][0-9]*: CG406 ", done.stderr), done.stderr
        assert SECRET not in done.stdout + done.stderr
    assert Recorder.hits == []


def test_verify_reports_each_reference_at_its_line(good: Path, tmp_path: Path, server: str) -> None:
    bundle = repack(good, tmp_path / "two.tar.gz", lambda s: (s["properties"].__setitem__("title", {"$ref": f"{server}/a"}),
                                                             s["properties"].__setitem__("summary", {"$ref": f"{server}/b"})))
    report = verify.verify(bundle)
    with tarfile.open(bundle) as tar:
        lines = tar.extractfile(f"clinicguide-release/{SCHEMA}").read().decode().splitlines()  # type: ignore[union-attr]
    found = {p.path: lines[p.line - 1][p.column - 1:] for p in report.problems if p.code == "CG406"}
    assert found == {"#/properties/title/$ref": f'"$ref": "{server}/a"', "#/properties/summary/$ref": f'"$ref": "{server}/b"'}
    assert Recorder.hits == []
    # The documents that declare the refused version are not validated by it: its version is unknown to them.
    assert any(p.code == "CG208" for p in report.problems)


def test_references_inside_the_bundle_are_accepted(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas" / "guidance"
    base = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
    one = {**base, "$id": "https://example.org/s/1.0/guidance.schema.json",
           "$defs": {"name": {"$anchor": "name", "type": "string", "pattern": "^[a-z]+$"}},
           "properties": {"a": {"$ref": "#/$defs/name"}, "b": {"$ref": "#name"}, "c": {"$ref": "#"}}}
    two = {**base, "$id": "https://example.org/s/1.1/guidance.schema.json",
           "properties": {"a": {"$ref": "../1.0/guidance.schema.json#/$defs/name"},
                          "b": {"$ref": "https://example.org/s/1.0/guidance.schema.json#name"}}}
    for version, schema in (("1.0", one), ("1.1", two)):
        (schemas / version).mkdir(parents=True)
        (schemas / version / "guidance.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    assert unusable_schemas(tmp_path / "schemas", tmp_path) == []
    assert sorted(p.parent.name for p in schemas.glob("*/guidance.schema.json")) == ["1.0", "1.1"]


def test_the_validator_retrieves_nothing_whatever_the_schema(server: str, secret: Path) -> None:
    """The second line: even a schema that was never checked resolves no outside reference."""
    for ref in (f"{server}/x.json", secret.as_uri()):
        with pytest.raises(ValueError, match="references are resolved offline") as raised:
            SchemaValidator({"type": "object", "properties": {"a": {"$ref": ref}}})
        assert SECRET not in str(raised.value)
    assert Recorder.hits == []


# -- class 2: patterns that would backtrack, and what is left behind ------------------------------

BOMB = "^(a+)+$"
TRIGGER = "a" * 64 + "!"


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    # A backtracking engine takes about 2^64 steps here: this returns only if matching is linear.
    assert compile_pattern(BOMB)(TRIGGER) is False
    assert compile_pattern(BOMB)("a" * 100_000) is True
    assert compile_pattern("^(a|a)*$")("a" * 100_000 + "!") is False


@pytest.mark.parametrize("pattern", ["(?=a)a", "(?<=a)b", "(a)\\1", "(?<n>a)\\k<n>", "(?!a)b", "[", "a{2,1}"])
def test_patterns_that_need_backtracking_or_are_not_ecma_are_refused(pattern: str) -> None:
    with pytest.raises(UnsafePattern):
        compile_pattern(pattern)


def test_ecma_semantics_are_kept() -> None:
    assert compile_pattern("^[a-z-]+$")("microneedling\n") is False  # $ is the end of the text, not before a newline
    assert compile_pattern("^\\d+$")("\u0661\u0662") is False  # \d is ASCII
    assert compile_pattern("^.$")("\u2028") is False  # . does not match a line terminator
    assert compile_pattern("^\\s$")("\u00a0") is True  # \s is ECMA-262 white space
    assert compile_pattern("^https?://")("https://example.org") is True


BOMBS: list[tuple[str, Callable[[dict[str, Any]], None], Callable[[str], str] | None]] = [
    ("nested quantifier", title({"type": "string", "pattern": BOMB}),
     lambda text: text.replace("\ntitle: ", f"\ntitle: {TRIGGER}\nx-title: ", 1)),
    ("lookahead", title({"type": "string", "pattern": "^(?=(a+)+$)a"}), None),
    ("backreference", title({"type": "string", "pattern": "^(a+)\\1$"}), None),
    ("patternProperties", lambda s: s.__setitem__("patternProperties", {"^(a+)+$": {}}), None),
]


@pytest.mark.parametrize(("case", "schema", "document"), BOMBS, ids=[c for c, _, _ in BOMBS])
def test_a_regex_bomb_neither_hangs_verify_or_diff_nor_leaves_files(
        case: str, schema: Callable[[dict[str, Any]], None], document: Callable[[str], str] | None,
        good: Path, tmp_path: Path) -> None:
    bundle = repack(good, tmp_path / "bomb.tar.gz", schema, document)
    for args in (["release", "verify", str(bundle)], ["release", "verify", "--format", "json", str(bundle)],
                 ["diff", str(good), str(bundle)], ["diff", str(bundle), str(good)]):
        done = run(*args, tmp=tmp_path / "tmp")
        assert done.returncode == 1, (args, done.stdout, done.stderr)
    if case != "nested quantifier":  # that pattern is linear here, so it is used, and the trigger just fails it
        report = verify.verify(bundle)
        assert any(p.code == "CG406" and p.line > 0 for p in report.problems), report.problems


SLOW_VERIFY = """
import sys, time
from clinicguide.cli import main
from clinicguide.release import verify
real = verify._validate
def slow(root):
    print("unpacked", flush=True)
    time.sleep(60)
    return real(root)
verify._validate = slow
sys.exit(main(["release", "verify", sys.argv[1]]))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_verify_killed_midway_removes_its_temporary_folder(signum: int, good: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = subprocess.Popen([sys.executable, "-c", SLOW_VERIFY, str(good)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=REPO, env={**os.environ, "TMPDIR": str(tmp)})
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "unpacked"
    assert [p.name.startswith("clinicguide-verify-") for p in tmp.iterdir()] == [True]
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (128 + signum, 130), err
    assert "Traceback" not in err
    assert list(tmp.iterdir()) == []
