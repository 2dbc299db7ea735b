"""The packaged ids a site may not reuse (CG323) are read only when a document from outside the packaged folder comes."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicguide import ContentError
from clinicguide.content import library
from clinicguide.host.hooks import Hooks
from clinicguide.host.library import load_through
from clinicguide.testing import packaged_document, write_document


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per reading of the packaged ids."""
    done: list[int] = []
    original = library._packaged_ids

    def counted() -> dict[str, str]:
        done.append(1)
        return original()

    monkeypatch.setattr(library, "_packaged_ids", counted)
    return done


def test_the_packaged_folder_alone_reads_no_id_twice(scans: list[int]) -> None:
    loaded = load_through(Hooks(entry_point_plugins=False))
    assert len(loaded) >= 6 and scans == []


def test_site_documents_read_the_packaged_ids_once_and_are_still_refused(scans: list[int], tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_document(site, {**packaged_document("microneedling"), "id": "site-needling"})
    write_document(site, {**packaged_document("salicylic-acid-topical"), "id": "site-salicylic"})
    loaded = load_through(Hooks(entry_point_plugins=False), site)
    assert {"site-needling", "site-salicylic", "microneedling"} <= set(loaded.ids()) and scans == [1]

    write_document(site, packaged_document("isotretinoin-oral"))  # a packaged id, outside the packaged folder
    with pytest.raises(ContentError) as caught:
        load_through(Hooks(entry_point_plugins=False), site)
    [refused] = [p for p in caught.value.problems if p.code == "CG323"]
    assert "'isotretinoin-oral' is packaged guidance" in refused.message and scans == [1, 1]
