"""The service's database: cards issued, feedback on them, and the JWT ids already seen.

SQLite (a file, the default) or PostgreSQL (``postgresql://`` URL, through psycopg, for several
instances behind a load balancer). Nothing about the patient is stored: a card's uuid, service,
guidance ``id|version`` and indicator; a feedback's outcome, override reason coding, how many
suggestions were accepted and its time (never the clinician's free-text comment); a token's
issuer, ``jti`` and expiry, for the replay check.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..errors import UsageError

_T = TypeVar("_T")

_TABLES = (
    ("CREATE TABLE IF NOT EXISTS issued_cards (uuid TEXT PRIMARY KEY, service TEXT NOT NULL, guidance TEXT NOT NULL,"
    " indicator TEXT NOT NULL, issued TEXT NOT NULL)"),
    ("CREATE TABLE IF NOT EXISTS feedback (card TEXT NOT NULL, service TEXT NOT NULL, outcome TEXT NOT NULL,"
    " reason_system TEXT, reason_code TEXT, reason_display TEXT, accepted INTEGER NOT NULL, outcome_time TEXT NOT NULL,"
    " received TEXT NOT NULL)"),
    ("CREATE TABLE IF NOT EXISTS seen_tokens (iss TEXT NOT NULL, jti TEXT NOT NULL, exp BIGINT NOT NULL,"
    " PRIMARY KEY (iss, jti))"),
)
_PRUNE_EVERY = 1000
#: How long a write waits for another worker's write to the same SQLite file before it fails.
BUSY_TIMEOUT = 5.0
#: SQLite's own busy handler sleeps 1, 2, 5, 10, ... up to 100 ms between tries, which under
#: steady writes from several workers puts a lock wait of tens of milliseconds on a request
#: whose write takes a tenth of one. A write that meets a lock retries after these pauses.
_BUSY_PAUSES = (0.0001, 0.0002, 0.0005, 0.001, 0.002)
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
CHECKPOINT_INLINE_AFTER = 10_000


class StoreBusy(Exception):
    """Other writers held the database longer than a request may wait."""


@dataclass(frozen=True)
class FeedbackRow:
    card: str
    outcome: str
    reason_system: str | None
    reason_code: str | None
    reason_display: str | None
    accepted: int
    outcome_time: str


@dataclass(frozen=True)
class IssuedCard:
    uuid: str
    service: str
    guidance: str  # id|version
    indicator: str
    issued: dt.date


@dataclass(frozen=True)
class ReportRow:
    guidance: str  # id|version, or "(unknown card)"
    outcome: str
    reason: str  # the override reason's display (or code), or "" for none
    count: int


class Store:
    """One database, used from many threads: each thread opens its own connection."""

    def __init__(self, connect: Callable[[], Any], placeholder: str, *, sqlite: bool = False) -> None:
        self._connect = connect
        self._placeholder = placeholder
        self._sqlite = sqlite
        self._local = threading.local()
        self._tokens = 0
        self._writes_since_checkpoint = 0

        def create(connection: Any) -> None:
            for statement in _TABLES:
                connection.execute(statement)

        self._transaction(create)

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return _Autocommit(connection)

    @property
    def local(self) -> bool:
        """Whether the database is a file on this machine (SQLite), where an uncontended write takes microseconds."""
        return self._sqlite

    def _transaction(self, work: Callable[[Any], _T], *, wait: bool = True) -> _T:
        """``work`` in one transaction; on SQLite, retried after short pauses while another writer holds the lock
        (with ``wait`` False, StoreBusy at once instead)."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        tries = 0
        while True:
            try:
                with self._connection() as connection:
                    done = work(connection)
                break
            except sqlite3.OperationalError as exc:
                if not (self._sqlite and _busy(exc)):
                    raise
                if not wait:
                    raise StoreBusy("another writer holds the database") from None
                if time.monotonic() > deadline:
                    raise StoreBusy(f"the database stayed locked for {BUSY_TIMEOUT:g} s") from None
            time.sleep(_BUSY_PAUSES[min(tries, len(_BUSY_PAUSES) - 1)])
            tries += 1
        self._writes_since_checkpoint += 1
        if self._sqlite and self._writes_since_checkpoint >= CHECKPOINT_INLINE_AFTER:
            self.checkpoint()  # nothing checkpoints in the background (a host without the service's lifespan)
        return done

    def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the database file (PostgreSQL needs nothing).

        The connections never do it themselves (``wal_autocheckpoint`` is off): a checkpoint syncs the
        file to disk, tens of milliseconds that would otherwise fall on whichever call wrote last. The
        service's background writer calls this every second instead; a write does, only when none has
        run for ``CHECKPOINT_INLINE_AFTER`` writes.
        """
        if not self._sqlite:
            return
        self._writes_since_checkpoint = 0
        try:
            with self._connection() as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._placeholder)

    def remember_token(self, iss: str, jti: str, exp: int, now: int, *, wait: bool = True) -> bool:
        """Record a token id; False when it was seen before (a replay). With ``wait`` False, StoreBusy
        rather than waiting for another writer (nothing is recorded then)."""
        self._tokens += 1
        prune = self._tokens % _PRUNE_EVERY == 0

        def insert(connection: Any) -> bool:
            cursor = connection.execute(self._sql("INSERT INTO seen_tokens (iss, jti, exp) VALUES (?, ?, ?) "
                                                  "ON CONFLICT DO NOTHING"), (iss, jti, exp))
            fresh = bool(cursor.rowcount == 1)
            if prune:
                connection.execute(self._sql("DELETE FROM seen_tokens WHERE exp < ?"), (now,))
            return fresh

        return self._transaction(insert, wait=wait)

    def record_issued(self, cards: Sequence[IssuedCard]) -> None:
        """Remember cards sent, in one transaction (a card already recorded is left as it is)."""
        rows = [(c.uuid, c.service, c.guidance, c.indicator, c.issued.isoformat()) for c in cards]
        if rows:
            self._transaction(lambda connection: connection.executemany(self._sql(
                "INSERT INTO issued_cards (uuid, service, guidance, indicator, issued) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING"), rows))

    def record_feedback(self, service: str, rows: Sequence[FeedbackRow], received: dt.datetime) -> None:
        values = [(r.card, service, r.outcome, r.reason_system, r.reason_code, r.reason_display, r.accepted,
                   r.outcome_time, received.isoformat(timespec="seconds")) for r in rows]
        self._transaction(lambda connection: connection.executemany(self._sql(
            "INSERT INTO feedback (card, service, outcome, reason_system, reason_code, reason_display, accepted,"
            " outcome_time, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), values))

    def report(self) -> list[ReportRow]:
        """Accepted and overridden cards per guidance and override reason, in a fixed order."""
        rows = self._transaction(lambda connection: connection.execute(
            "SELECT COALESCE(c.guidance, '(unknown card)'), f.outcome, COALESCE(f.reason_display, f.reason_code, ''),"
            " COUNT(*) FROM feedback f LEFT JOIN issued_cards c ON c.uuid = f.card"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall())
        return [ReportRow(str(g), str(o), str(r), int(n)) for g, o, r, n in rows]


def _busy(error: sqlite3.OperationalError) -> bool:
    """Whether another connection holds the lock (the error code exists from Python 3.11, the message before)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(error)


class _Autocommit:
    """A connection in a ``with`` block: each statement commits at the end of the block."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __enter__(self) -> Any:
        return self.connection

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.connection.commit()
        else:
            self.connection.rollback()


def open_store(database: str) -> Store:
    """The store for a SQLite file path or a ``postgresql://`` URL."""
    if database.startswith(("postgresql://", "postgres://")):
        try:
            psycopg = importlib.import_module("psycopg")
        except ImportError:
            raise UsageError("a PostgreSQL database needs psycopg: pip install 'clinicguide[postgresql]'") from None
        return Store(lambda: psycopg.connect(database), "%s")
    path = Path(database)
    if not path.parent.is_dir():
        raise UsageError(f"the database's folder {path.parent} does not exist")

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=0.0, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")  # Store.checkpoint() does it, off the calls' path
        return connection

    try:
        return Store(connect, "?", sqlite=True)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot open the database {database}: {exc}") from None
