"""Minor schema versions only add optional fields: a document valid under an older minor
version of a major stays valid under every newer minor version of it.

Fixture documents for each version live in tests/unit/release/fixtures/schema-<version>/ and are kept
when newer versions arrive. The pairs come from schemas/releases.json plus every schema
folder present, so the test bites as soon as a 1.1 folder is added.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

from clinicguide.content.check import schema_problems
from clinicguide.content.located import Locator
from clinicguide.content.schemas import SCHEMA_FILE, available, schema_version_key, validator
from clinicguide.content.yamlsafe import Positions, read
from clinicguide.release import schema_history
from clinicguide.resources import schemas_dir

TESTS = Path(__file__).resolve().parents[2]

FIXTURES = TESTS / "unit" / "release" / "fixtures"


def versions(schema_root: Path) -> list[str]:
    released = [r.version for r in schema_history.load(schema_root)]
    return sorted(set(released) | set(available(schema_root)), key=schema_version_key)


def minor_pairs(schema_root: Path) -> list[tuple[str, str]]:
    """Every (older, newer) pair of versions with the same major."""
    found = versions(schema_root)
    return [(a, b) for i, a in enumerate(found) for b in found[i + 1:] if schema_version_key(a)[0] == schema_version_key(b)[0]]


def fixtures(version: str, fixtures_root: Path = FIXTURES) -> list[Path]:
    return sorted((fixtures_root / f"schema-{version}").glob("*.yaml"))


def incompatibilities(schema_root: Path, fixtures_root: Path = FIXTURES) -> list[str]:
    """Each fixture valid under an older minor version that a newer minor version rejects."""
    broken = []
    for older, newer in minor_pairs(schema_root):
        check = validator(newer, schema_root)
        assert check is not None
        for path in fixtures(older, fixtures_root):
            data, _ = read(path)
            redeclared = {**copy.deepcopy(data), "schema": newer}
            for found in schema_problems(redeclared, Locator(path.name, Positions()), schema_root):
                broken.append(f"{path.name} (schema {older}) under {newer}: {found.message} at {found.path}")
    return broken


def test_every_schema_version_has_fixture_documents_valid_under_it() -> None:
    for version in versions(schemas_dir()):
        found = fixtures(version)
        assert found, f"add fixture documents for schema {version} in tests/unit/release/fixtures/schema-{version}/"
        check = validator(version, schemas_dir())
        assert check is not None
        for path in found:
            data, _ = read(path)
            assert data["schema"] == version, f"{path}: declares schema {data['schema']}"
            errors = [f"{p.message} at {p.path}" for p in schema_problems(data, Locator(path.name, Positions()))]
            assert errors == [], f"{path}: {errors}"


def test_documents_valid_under_an_older_minor_validate_under_each_newer_minor() -> None:
    assert incompatibilities(schemas_dir()) == []


# -- the check itself bites: a simulated 1.1 ------------------------------------------

def _with_next_minor(tmp_path: Path, change: str) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), root)
    latest = available(root)[-1]
    major, minor = schema_version_key(latest)
    target = root / "guidance" / f"{major}.{minor + 1}"
    target.mkdir()
    schema = json.loads((root / "guidance" / latest / SCHEMA_FILE).read_text(encoding="utf-8"))
    schema["properties"]["site_note"] = {"type": "string"}
    if change == "required":
        schema["required"].append("site_note")
    (target / SCHEMA_FILE).write_text(json.dumps(schema), encoding="utf-8")
    return root


def test_a_next_minor_that_only_adds_an_optional_field_passes(tmp_path: Path) -> None:
    root = _with_next_minor(tmp_path, "optional")
    assert len(minor_pairs(root)) >= 1
    assert incompatibilities(root) == []


def test_a_next_minor_that_adds_a_required_field_is_caught(tmp_path: Path) -> None:
    root = _with_next_minor(tmp_path, "required")
    broken = incompatibilities(root)
    assert broken and all("site_note" in line for line in broken)
    assert {line.split(" ")[0] for line in broken} >= {p.name for p in fixtures(available()[-1])}
