"""The entry-point pre-check never misses a plugin importlib.metadata would find, and spares it when none is installed."""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clinicguide.host.entrypoints import may_declare

GROUP = "clinicguide"


@pytest.fixture
def only_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """``sys.path`` emptied for the test; the test appends the folders it installs into."""
    paths: list[str] = []
    monkeypatch.setattr(sys, "path", paths)
    importlib.invalidate_caches()
    yield paths
    importlib.invalidate_caches()


def _found(group: str = GROUP) -> bool:
    importlib.invalidate_caches()
    return bool(importlib.metadata.entry_points(group=group))


def _install(site: Path, folder: str, text: str | bytes) -> None:
    info = site / folder
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {folder.split('-')[0]}\nVersion: 1.0\n")
    data = text.encode("utf-8") if isinstance(text, str) else text
    (info / "entry_points.txt").write_bytes(data)


def test_nothing_installed_declares_nothing(only_path: list[str], tmp_path: Path) -> None:
    only_path.append(str(tmp_path))
    _install(tmp_path, "other-1.0.dist-info", "[console_scripts]\nother = other:main\n\n[pytest11]\nx = clinicguide.x\n")
    assert not _found() and not may_declare(GROUP)


@pytest.mark.parametrize("text", [
    "[clinicguide]\nsite = site_plugin\n",
    "[console_scripts]\ntool = t:main\n\r\n  [clinicguide]  \r\nsite = site_plugin\r\n",
    "[[clinicguide]]\nsite = site_plugin\n",  # importlib.metadata strips every bracket
    "# header\n[clinicguide]\n# a comment\nsite = site_plugin\n",
    "[clinicguide]\rsite = site_plugin\r",  # old Mac line ends
    "[other]\x0c[clinicguide]\x1csite = site_plugin\u2028",  # what str.splitlines splits on
])
def test_a_declared_group_is_seen(only_path: list[str], tmp_path: Path, text: str) -> None:
    only_path.append(str(tmp_path))
    _install(tmp_path, "site_plugin-1.0.dist-info", text)
    assert _found() and may_declare(GROUP)


@pytest.mark.parametrize("folder", ["Site_Plugin-1.0.DIST-INFO", "site_plugin.egg-info", "site_plugin-1.0.Egg-Info"])
def test_every_metadata_folder_importlib_reads_is_read(only_path: list[str], tmp_path: Path, folder: str) -> None:
    only_path.append(str(tmp_path))
    _install(tmp_path, folder, "[clinicguide]\nsite = site_plugin\n")
    assert _found() and may_declare(GROUP)


def test_what_it_cannot_read_counts_as_declared(only_path: list[str], tmp_path: Path) -> None:
    only_path.append(str(tmp_path / "missing"))
    assert not may_declare(GROUP)  # a missing folder holds nothing
    (tmp_path / "plugins.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    only_path.append(str(tmp_path / "plugins.zip"))
    assert may_declare(GROUP)  # a zip on sys.path: importlib.metadata reads it
    only_path[:] = [str(tmp_path / "site_plugin-1.0.egg")]
    assert may_declare(GROUP)
    only_path[:] = [str(tmp_path / "site")]
    _install(tmp_path / "site", "latin-1.0.dist-info", b"[clinicguide]\nsite = caf\xe9\n")
    assert may_declare(GROUP)  # not UTF-8: importlib.metadata decides
    only_path[:] = [b"/not/a/text/path"]  # type: ignore[list-item]
    assert may_declare(GROUP)


def test_another_distribution_finder_counts_as_declared(only_path: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        @staticmethod
        def find_distributions(context: object = None) -> list[object]:
            return []

    assert not may_declare(GROUP)
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert may_declare(GROUP)


_SPACE = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000", "\ufeff"])
_NAME = st.one_of(st.sampled_from(["clinicguide", " clinicguide ", "Clinicguide", "clinicguide.x", "console_scripts",
                                   "clinic guide", "[clinicguide", "clinicguide]"]),
                  st.just("clinicguide"), st.text(alphabet=st.sampled_from("clinigude[] ."), max_size=14))
_HEADER = st.builds(lambda before, opening, name, closing, after: before + opening + name + closing + after,
                    _SPACE, st.sampled_from(["[", "[", "[[", "#["]), _NAME, st.sampled_from(["]", "]", "]]", "] #"]), _SPACE)
# Value lines always hold "=": importlib.metadata fails on a file with one that does not, whatever the group.
_LINE = st.one_of(_HEADER, st.sampled_from(["site = site_plugin", "x=y", "", "   ", "# [clinicguide]", "#x"]))
_NEWLINE = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x1e", "\u2029"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(st.tuples(_LINE, _NEWLINE), max_size=8), min_size=1, max_size=3))
def test_it_never_answers_no_where_importlib_finds_an_entry_point(only_path: list[str],
                                                                  files: list[list[tuple[str, str]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        only_path[:] = [folder]
        for index, lines in enumerate(files):
            _install(Path(folder), f"dist{index}-1.0.dist-info", "".join(line + end for line, end in lines))
        try:
            found = _found()
        except Exception:  # a malformed line elsewhere makes importlib.metadata fail: nothing to compare
            event("importlib.metadata fails")
            return
        event(f"importlib.metadata finds one: {found}")
        if found:
            assert may_declare(GROUP)

