"""Damage never hides: a generation is verified in full in the background once opened,
damage found stops it being served (logged once), and the manifest is checksummed."""

from __future__ import annotations

import contextlib
import json
import logging

import pytest

from index.errors import IndexCorruptError
from index.knowledge_base import KnowledgeBase
from index.store.generations import open_current
from index.store.layout import current_name
from tests.conftest import ASKED

pytestmark = pytest.mark.model

QUESTION = "who wants Iran out of Syria?"


def flip_in_place(path, at: float = 0.5) -> None:
    """Change one byte in the middle: same size, so opening the index notices nothing."""
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("file", ["vectors.f32", "postings.chunks.i32", "postings.counts.u16"])
def test_damage_of_unchanged_size_is_found_after_opening_and_stops_serving(
    settings, embedder, caplog, file
):
    KnowledgeBase(settings, embedder).reindex()
    [segment] = (settings.index.data_dir / "segments").iterdir()
    flip_in_place(segment / file)
    open_current(settings.index.data_dir).close()  # opening does not read it all
    kb = KnowledgeBase(settings, embedder)

    with contextlib.suppress(IndexCorruptError):  # answered, unless verified already
        kb.ask(QUESTION, as_of=ASKED)
    verdict = kb.verification.wait(current_name(settings.index.data_dir), timeout=60)

    assert verdict is not None and file in (verdict.damage or "")
    for _ in range(3):
        with pytest.raises(IndexCorruptError, match=f"the index is damaged: .*{file}.*reindex"):
            kb.ask(QUESTION, as_of=ASKED)
    logged = [r for r in caplog.records if r.name == "index.store.verification"]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR  # once, not per question

    summary = kb.reindex()  # what the message says to do, in the same process

    assert summary.repaired is not None and file in summary.repaired
    assert kb.ask(QUESTION, as_of=ASKED).answered
    rebuilt = current_name(settings.index.data_dir)
    assert rebuilt == "gen-000002"  # not the damaged one's name: no reader confuses them
    assert kb.verification.wait(rebuilt, timeout=60).damage is None  # type: ignore[union-attr]


def test_a_sound_index_is_verified_and_served(settings, embedder):
    kb = KnowledgeBase(settings, embedder)
    kb.reindex()
    kb.search("Iran")

    verdict = kb.verification.wait(current_name(settings.index.data_dir), timeout=60)

    assert verdict is not None and verdict.damage is None and verdict.seconds > 0
    assert kb.search("Iran")


def test_an_edited_manifest_fails_check_and_is_rebuilt_not_taken_as_unchanged(
    settings, embedder, articles_dir
):
    kb = KnowledgeBase(settings, embedder)
    kb.reindex()
    tram = articles_dir / "transport" / "eastholm-tram-line-opens.md"
    tram.write_text(tram.read_text().replace("medieval timber", "Roman stone"))
    kb.reindex()  # the old version of the tram article is now a deleted row
    manifest_path = (
        settings.index.data_dir / current_name(settings.index.data_dir) / "manifest.json"
    )
    manifest = json.loads(manifest_path.read_text())
    assert any(s["deleted"] for s in manifest["segments"])
    for segment in manifest["segments"]:
        segment["deleted"] = []  # revive the replaced version
    manifest_path.write_text(json.dumps(manifest, indent=1))

    with pytest.raises(IndexCorruptError, match=r"manifest\.json: checksum mismatch"):
        KnowledgeBase(settings, embedder).check()
    summary = KnowledgeBase(settings, embedder).reindex()

    assert summary.repaired is not None and "manifest.json" in summary.repaired
    assert summary.changed  # rebuilt, not "unchanged"
    hits = KnowledgeBase(settings, embedder).search("medieval timber foundations harbour")
    assert hits and all("medieval" not in h.text for h in hits)  # only the new version


def test_a_generation_from_before_manifest_checksums_is_served_and_unchanged(settings, embedder):
    KnowledgeBase(settings, embedder).reindex()
    generation = settings.index.data_dir / current_name(settings.index.data_dir)
    checksums = json.loads((generation / "checksums.json").read_text())
    del checksums["manifest.json"]  # as the versions before it wrote them
    (generation / "checksums.json").write_text(json.dumps(checksums))

    kb = KnowledgeBase(settings, embedder)
    kb.check()
    assert kb.ask(QUESTION, as_of=ASKED).answered
    assert not kb.reindex().changed  # no rebuild on upgrade
    assert current_name(settings.index.data_dir) == generation.name
