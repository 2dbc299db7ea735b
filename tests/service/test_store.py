"""The service's database under several writers, and the card log that batches card records."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from cds_ehr import Ehr, TestClient, hook_request, medication_order, patient_resources, prefetch_for

from clinicguide.service import store as store_module
from clinicguide.service.cardlog import CardLog
from clinicguide.service.store import IssuedCard, Store, StoreBusy, open_store

DAY = dt.date(2026, 12, 1)


def _card(n: int) -> IssuedCard:
    return IssuedCard(f"00000000-0000-4000-8000-{n:012d}", "clinicguide-order-sign", "isotretinoin-oral|1.1.0", "critical", DAY)


def _hold_lock(path: Path, seconds: float, held: threading.Event) -> threading.Thread:
    """Another writer (as another worker process would be) holding the write lock for ``seconds``."""
    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def test_a_write_waits_for_another_writer_and_then_succeeds(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "db.sqlite3"))
    held = threading.Event()
    thread = _hold_lock(tmp_path / "db.sqlite3", 0.2, held)
    held.wait()
    started = time.monotonic()
    assert store.remember_token("https://ehr.example.org", "jti-1", 2_000_000_000, 0) is True
    waited = time.monotonic() - started
    thread.join()
    assert waited >= 0.15  # it did meet the lock, and got through once it was free
    assert store.remember_token("https://ehr.example.org", "jti-1", 2_000_000_000, 0) is False  # a replay


def test_a_write_that_may_not_wait_is_busy_at_once_and_records_nothing(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "db.sqlite3"))
    assert store.local
    held = threading.Event()
    thread = _hold_lock(tmp_path / "db.sqlite3", 0.3, held)
    held.wait()
    started = time.monotonic()
    with pytest.raises(StoreBusy):
        store.remember_token("https://ehr.example.org", "jti-1", 2_000_000_000, 0, wait=False)
    assert time.monotonic() - started < 0.1  # the service then waits in a thread, not on its event loop
    thread.join()
    assert store.remember_token("https://ehr.example.org", "jti-1", 2_000_000_000, 0, wait=False) is True


def test_a_lock_held_too_long_is_a_busy_store_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(str(tmp_path / "db.sqlite3"))
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.1)
    held = threading.Event()
    thread = _hold_lock(tmp_path / "db.sqlite3", 0.6, held)
    held.wait()
    with pytest.raises(StoreBusy):
        store.record_issued([_card(1)])
    thread.join()
    store.record_issued([_card(1)])  # the lock gone, the same write goes through


def _issued(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT uuid FROM issued_cards ORDER BY uuid")]


def test_the_card_log_writes_cards_in_a_batch_and_when_stopped(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"

    async def run() -> None:
        log = CardLog(open_store(str(database)), interval=3600, batch=3)
        log.add([_card(1), _card(2)])
        await asyncio.sleep(0.05)
        assert _issued(database) == [] and log.pending == 2  # below the batch size: still queued
        log.add([_card(3)])
        for _ in range(100):  # the batch size reached: the writer wakes
            await asyncio.sleep(0.01)
            if log.pending == 0:
                break
        assert _issued(database) == [_card(n).uuid for n in (1, 2, 3)]
        log.add([_card(4)])
        await log.close()
        assert _issued(database) == [_card(n).uuid for n in (1, 2, 3, 4)]

    asyncio.run(run())


class _FailingStore(Store):
    def __init__(self, path: Path) -> None:
        super().__init__(lambda: sqlite3.connect(path), "?")
        self.fail = True

    def record_issued(self, cards: object) -> None:  # type: ignore[override]
        if self.fail:
            raise sqlite3.OperationalError("disk I/O error")
        super().record_issued(cards)  # type: ignore[arg-type]


def test_a_failed_write_keeps_the_cards_and_logs_no_card(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = _FailingStore(tmp_path / "db.sqlite3")

    async def run() -> None:
        log = CardLog(store, interval=3600)
        log.add([_card(1)])
        with caplog.at_level(logging.ERROR), pytest.raises(sqlite3.OperationalError):
            await log.flush()
        assert log.pending == 1
        store.fail = False
        await log.close()
        assert log.pending == 0

    asyncio.run(run())
    assert _issued(tmp_path / "db.sqlite3") == [_card(1).uuid]
    assert "1 card records" in caplog.text and "OperationalError" in caplog.text and _card(1).uuid not in caplog.text


def test_a_full_card_log_lets_the_oldest_go_and_says_how_many(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        log = CardLog(open_store(str(tmp_path / "db.sqlite3")), interval=3600, batch=100, limit=3)
        with caplog.at_level(logging.ERROR):
            log.add([_card(n) for n in range(1, 6)])
        assert log.pending == 3
        await log.close()

    asyncio.run(run())
    assert _issued(tmp_path / "db.sqlite3") == [_card(n).uuid for n in (3, 4, 5)]
    assert "the 2 oldest card records were not stored" in caplog.text


def test_a_busy_database_is_a_503_with_retry_after(ehr: Ehr, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    prefetch = prefetch_for(ehr.templates(), patient_resources("pregnant-patient"), "anna-berg")
    body = hook_request("order-sign", "anna-berg", [medication_order("anna-berg")], prefetch=prefetch)

    def busy(*args: object, **kwargs: object) -> bool:
        raise StoreBusy("the database stayed locked for 5 s")

    monkeypatch.setattr(client.app.state.service.store, "remember_token", busy)  # type: ignore[attr-defined]
    path = "/cds-services/clinicguide-order-sign"
    response = client.post(path, json=body, headers=ehr.auth(path))
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["resourceType"] == "OperationOutcome" and "busy" in response.text


def test_calls_never_checkpoint_the_journal_the_background_writer_does(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(str(tmp_path / "db.sqlite3"))
    checkpoints: list[int] = []
    real = store.checkpoint

    def counted() -> None:
        checkpoints.append(1)
        real()

    monkeypatch.setattr(store, "checkpoint", counted)
    monkeypatch.setattr(store_module, "CHECKPOINT_INLINE_AFTER", 5)
    for n in range(12):  # with no background writer, a write checkpoints every 5 writes
        store.remember_token("https://ehr.example.org", f"jti-{n}", 2_000_000_000, 0)
    assert len(checkpoints) == 2
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM seen_tokens").fetchone() == (12,)

    async def run() -> None:
        log = CardLog(store, interval=0.02)
        log.start()
        await asyncio.sleep(0.2)
        await log.close()

    checkpoints.clear()
    asyncio.run(run())
    assert len(checkpoints) >= 2  # each interval, with no card to write


def test_sqlite_leaves_checkpoints_to_the_store(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "db.sqlite3"))
    for n in range(1500):  # more frames than SQLite's own automatic checkpoint (1,000) would let stand
        store.remember_token("https://ehr.example.org", f"jti-{n}", 2_000_000_000, 0)
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        _busy, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert frames >= 1500 and copied == frames
