"""A reindex killed with SIGKILL at random moments never breaks the published index."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index.store.checks import check_generation
from index.store.generations import open_current
from tests.conftest import model_section

pytestmark = [pytest.mark.model, pytest.mark.slow]

KILLS = 20
NEW_ARTICLES = 12


class Reindex:
    """``newsbot reindex`` in a child process, noting when each progress stage starts."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "reindex"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while chunk := self.process.stderr.read1(4096):
            self.output += chunk
            for stage in (b"reading", b"indexing", b"writing"):
                if stage in chunk:
                    self.stages.setdefault(stage.decode(), time.perf_counter() - self.started)

    def wait_for_stage(self, stage: str, timeout: float = 120) -> None:
        deadline = time.perf_counter() + timeout
        while stage not in self.stages and self.process.poll() is None:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"reindex never reached {stage}")
            time.sleep(0.002)

    def finish(self) -> None:
        assert self.process.wait(timeout=300) == 0, self.output.decode(errors="replace")
        self._reader.join(timeout=5)

    def kill(self) -> bool:
        """SIGKILL; True if the child was still running."""
        alive = self.process.poll() is None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        return alive


def add_articles(articles: Path, round_number: int) -> None:
    """New or changed articles, so every reindex has real embedding and writing to do."""
    for i in range(NEW_ARTICLES):
        body = " ".join(
            f"Round {round_number} report {i} sentence {j} about harbour cranes and tariffs."
            for j in range(40)
        )
        (articles / f"round-{i}.txt").write_text(f"Harbour report {i}\n\n{body}\n")


def test_reindex_killed_at_random_moments_leaves_a_loadable_index(
    tmp_path, articles_dir, model_cache, embedder
):
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'[index]\ndata_dir = "data"\narticles = ["{articles_dir}"]\n' + model_section(model_cache)
    )
    data_dir = tmp_path / "data"
    Reindex(config).finish()
    initial = open_current(data_dir).manifest.articles
    possible = {initial, initial + NEW_ARTICLES}  # before or after a round's articles

    add_articles(articles_dir, round_number=-1)
    timed = Reindex(config)
    timed.finish()
    duration = time.perf_counter() - timed.started

    rng = random.Random(20261124)
    landed = {"start-up": 0, "reading or embedding": 0, "writing or publishing": 0}
    for round_number in range(KILLS):
        add_articles(articles_dir, round_number)
        child = Reindex(config)
        if round_number % 2:
            time.sleep(rng.uniform(0, duration))  # anywhere in the run
        else:
            child.wait_for_stage("writing")  # aim at the window where files are written
            time.sleep(rng.uniform(0, 0.1))
        if "writing" in child.stages:
            phase = "writing or publishing"
        else:
            phase = "reading or embedding" if child.stages else "start-up"
        if child.kill():
            landed[phase] += 1

        generation = open_current(data_dir)  # verifies manifest, catalog and file sizes
        assert generation.manifest.articles in possible
        check_generation(generation)  # and every checksum in full
        query = np.ones(generation.manifest.dimension, dtype=np.float32)
        for segment in generation.segments:
            ids, _ = segment.vectors.search(query / np.linalg.norm(query), 3)
            assert len(ids) and segment.chunk_text(int(ids[0]))
        generation.close()

    print(f"kills by phase: {landed}")
    assert landed["writing or publishing"] >= 5, landed
    Reindex(config).finish()
    assert not [p for p in data_dir.rglob("*.partial")]
    assert open_current(data_dir).manifest.articles == initial + NEW_ARTICLES
