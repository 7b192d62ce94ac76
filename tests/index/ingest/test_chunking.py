import itertools
from datetime import date

import pytest

from index.ingest.chunking import chunk_article, embedding_text, plan_for
from index.records import Article

pytestmark = pytest.mark.model

SENTENCE = "The central bank raised its main interest rate by a quarter point on Thursday. "


def article(text: str) -> Article:
    return Article(id="a1", title="Rates rise again", text=text, published=date(2024, 3, 1))


def test_every_chunk_with_its_context_fits_the_model_window(embedder):
    doc = article(SENTENCE * 80)
    chunks = chunk_article(doc, embedder, plan_for(doc, embedder, None, 48))
    assert len(chunks) > 3
    for chunk in chunks:
        counted = embedder.count_tokens([embedding_text(doc, chunk.text)])[0]
        assert counted + 2 <= embedder.max_tokens


def test_chunks_cover_the_text_in_order_and_offsets_quote_it_exactly(embedder):
    doc = article(SENTENCE * 40)
    chunks = chunk_article(doc, embedder, plan_for(doc, embedder, 128, 32))
    assert chunks[0].start == 0 and chunks[-1].end == len(doc.text.rstrip())
    for before, after in itertools.pairwise(chunks):
        assert after.start <= before.end, "a gap would lose text"
        assert after.start > before.start
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_consecutive_chunks_repeat_whole_sentences_as_overlap(embedder):
    doc = article(" ".join(f"Sentence number {i} says something new." for i in range(60)))
    chunks = chunk_article(doc, embedder, plan_for(doc, embedder, 96, 24))
    first, second = chunks[0], chunks[1]
    shared = doc.text[second.start : first.end]
    assert shared.startswith("Sentence number") and shared.endswith(".")


def test_a_sentence_longer_than_the_window_is_cut_to_fit(embedder):
    doc = article("word " * 1000 + "end.")
    plan = plan_for(doc, embedder, None, 48)
    chunks = chunk_article(doc, embedder, plan)
    assert len(chunks) >= 4
    assert all(c.token_count <= plan.budget for c in chunks)


def test_the_title_and_date_are_embedding_context():
    assert embedding_text(article("Body."), "Body.") == "Rates rise again (2024-03-01)\nBody."
