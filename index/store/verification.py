"""Generations verified in full in the background once they are opened.

Opening a generation reads only what it cannot do without (sizes, the small files'
checksums), so damage to the bulk of it (vectors, postings, texts of unchanged size)
would be served until someone ran ``newsbot check``. Each generation a process opens
is therefore checked by ``index.store.checks`` in a worker thread; damage found is
logged once and from then on the generation is refused with a one-line error that says
to reindex. What is verified is the files against the checksums beside them: a
checksum rewritten by whoever damaged a file is out of its reach.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexCorruptError
from index.store.checks import check_generation
from index.store.generations import Generation

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a generation's verification ended: ``damage`` None means sound."""

    damage: str | None
    seconds: float


class BackgroundVerification:
    """Verifies each generation of ``data_dir`` as it is opened, off the caller's thread;
    thread-safe."""

    def __init__(self, data_dir: Path, *, enabled: bool = True) -> None:
        self.data_dir = data_dir
        self.enabled = enabled  # off where readers search elsewhere (Milvus)
        self._lock = threading.Lock()
        self._workers: dict[str, threading.Thread] = {}
        self._verdicts: dict[str, Verdict] = {}
        self._runs: dict[str, int] = {}  # verifications started, by generation name

    def start(self, name: str) -> None:
        """Begin verifying generation ``name``, just opened; a verdict on an earlier
        generation of that name (or one still being reached) no longer counts."""
        if not self.enabled:
            return
        with self._lock:
            run = self._runs[name] = self._runs.get(name, 0) + 1
            self._verdicts.pop(name, None)
            worker = threading.Thread(
                target=self._verify, args=(name, run), name=f"newsbot-verify-{name}", daemon=True
            )
            self._workers[name] = worker
        worker.start()

    def refuse_damaged(self, name: str) -> None:
        """IndexCorruptError if verification found generation ``name`` damaged."""
        verdict = self._verdicts.get(name)
        if verdict is not None and verdict.damage is not None:
            raise IndexCorruptError(f"the index is damaged: {verdict.damage}")

    def wait(self, name: str, timeout: float | None = None) -> Verdict | None:
        """The verdict on ``name`` once its verification ends (None: not started, or
        still running after ``timeout`` seconds)."""
        with self._lock:
            worker = self._workers.get(name)
        if worker is not None:
            worker.join(timeout)
        return self._verdicts.get(name)

    def _verify(self, name: str, run: int) -> None:
        started = time.perf_counter()
        path = self.data_dir / name
        try:
            verify_generation(path)
            damage = None
        except IndexCorruptError as error:
            damage = str(error)
        verdict = Verdict(damage, time.perf_counter() - started)
        with self._lock:
            if self._runs.get(name) != run or not path.is_dir():
                return  # replaced by a newer reindex meanwhile: not this one's damage
            self._verdicts[name] = verdict
        if damage is not None:
            log.error("the index %s is damaged, refusing to serve it: %s", name, damage)
        else:
            log.info("index %s verified in %.1f s", name, verdict.seconds)


def verify_generation(path: Path) -> None:
    """Check the generation at ``path`` in full (``index.store.checks``); any failure to
    read it, not only a checksum mismatch, is reported as IndexCorruptError."""
    try:
        generation = Generation(path)
    except (OSError, sqlite3.Error, ValueError) as error:
        raise IndexCorruptError(f"{path}: unreadable ({type(error).__name__}: {error})") from None
    try:
        check_generation(generation)
    finally:
        generation.close()
