"""The cards a worker has sent, written to the store in batches, off the path of the call that made them.

The feedback report joins feedback to the cards sent; a card need not be in the database before
its call is answered, only before feedback on it is stored. A write per call would make every
call wait for the database lock the other workers are writing under, so the cards are kept
in memory and written together: every ``interval`` seconds, as soon as ``batch`` are waiting,
before any feedback is stored, and when the service stops. A failed write is logged and the
cards stay queued for the next one; only past ``limit`` queued cards are the oldest let go,
and the log says how many. The same periodic writer checkpoints the SQLite journal
(``Store.checkpoint``), so that no call waits for the disk sync a checkpoint makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from .store import IssuedCard, Store

_log = logging.getLogger("clinicguide.service.cards")


class CardLog:
    def __init__(self, store: Store, *, interval: float = 1.0, batch: int = 256, limit: int = 100_000) -> None:
        self.store = store
        self.interval = interval
        self.batch = batch
        self.limit = limit
        self._pending: list[IssuedCard] = []
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        """Start the periodic writer on the running event loop (once)."""
        if self._writer is None:
            self._wake = asyncio.Event()
            self._writer = asyncio.get_running_loop().create_task(self._write_periodically())

    def add(self, cards: Iterable[IssuedCard]) -> None:
        """Queue cards for the next write (starting the writer, if the service's start-up has not)."""
        self._pending.extend(cards)
        if len(self._pending) > self.limit:
            lost = len(self._pending) - self.limit
            del self._pending[:lost]
            _log.error("card log full: the %d oldest card records were not stored", lost)
        self.start()
        if len(self._pending) >= self.batch and self._wake is not None:
            self._wake.set()

    async def flush(self) -> None:
        """Write every queued card now (one transaction), waiting for a write already under way."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            taken, self._pending = self._pending, []
            if not taken:
                return
            try:
                await asyncio.to_thread(self.store.record_issued, taken)
            except Exception as exc:  # kept for the next try: the log names the failure, never a card
                self._pending[:0] = taken
                _log.error("could not store %d card records: %s", len(taken), exc.__class__.__name__)
                raise

    async def close(self) -> None:
        """Stop the writer and write what is queued."""
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        with contextlib.suppress(Exception):  # logged by flush; the service is stopping either way
            await self.flush()

    async def _write_periodically(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            with contextlib.suppress(Exception):  # logged by flush; retried at the next interval
                await self.flush()
            try:
                await asyncio.to_thread(self.store.checkpoint)
            except Exception as exc:  # the next interval tries again
                _log.error("could not checkpoint the database: %s", exc.__class__.__name__)
