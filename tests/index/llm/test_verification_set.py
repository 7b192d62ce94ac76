"""The scripted set of model replies (``tests/fakellm/replies.py``: false claims of every
kind, true paraphrases) asked through the knowledge base over the fixture collection and
the hostile dealer article, with the real openai client against the scripted server on
loopback: no false claim is shown, and the true ones dropped are the known few."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from index.config import LLMSettings, Settings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from index.llm.client import OpenAIChat
from index.records import Answer
from tests.conftest import ASKED, COLLECTION, FIXTURES
from tests.fakellm import ScriptedLLM, Text
from tests.fakellm.replies import PUTIN, PUTIN_PASSAGE, REPLIES, Reply

pytestmark = pytest.mark.model

# True claims verification drops: words the passage does not use ("covers", "the
# company" for "the carmaker") and looser paraphrases. Dropping costs an answer its
# sentence, never its truth.
DROPPED_TRUE = {
    "The recall covers Tarn vehicles built between March 2022 and November 2023 [{p}].",
    "The company knew of no crashes or injuries linked to the fault [{p}].",
    "Israel's prime minister would accept Assad staying in power if Iranian forces leave "
    "Syria [{p}].",
    "Russia's foreign ministry said Iranian troops were among the foreign forces that must "
    "go [{p}].",
    "Inflation has fallen from a peak of 8.1% to 2.9% [{p}].",
    "The tram line came in about 60 million euros over budget [{p}].",
}


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server
    assert server.errors == [], "the scripted model failed"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, llm: ScriptedLLM):
    base = tmp_path_factory.mktemp("replies")
    shutil.copytree(COLLECTION, base / "articles")
    shutil.copytree(FIXTURES / "hostile", base / "articles" / "hostile")
    index = Settings().index.model_copy(
        update={"data_dir": base / "data", "articles": [base / "articles"]}
    )
    section = LLMSettings(base_url=llm.base_url, model="scripted", timeout_seconds=10.0)
    settings = Settings().model_copy(update={"index": index, "llm": section})
    knowledge = KnowledgeBase(settings, embedder, OpenAIChat(section))
    knowledge.reindex()
    return knowledge


@pytest.fixture(scope="module")
def answers(kb: KnowledgeBase, llm: ScriptedLLM) -> list[tuple[Reply, Answer]]:
    found = []
    for reply in REPLIES:
        llm.script = reply.script
        found.append((reply, kb.ask(reply.question, as_of=ASKED)))
    return found


def shown(answer: Answer) -> bool:
    return answer.mode == "llm" and answer.answered


def test_the_set_covers_every_kind_of_false_claim_with_true_ones_beside():
    kinds = {reply.kind for reply in REPLIES if not reply.true}
    assert len(REPLIES) >= 40 and sum(reply.true for reply in REPLIES) >= 20
    assert {"recombined name", "swapped role", "negation", "number", "time"} <= kinds
    assert {"wrong passage", "blend", "quote", "cause", "link", "run-on"} <= kinds


def test_no_false_claim_is_shown(answers):
    assert [reply.text for reply, answer in answers if not reply.true and shown(answer)] == []
    for reply, answer in answers:
        if not reply.true:
            assert answer.model_run is not None and answer.model_run.kept == 0


def test_the_true_claims_dropped_are_the_known_few(answers):
    dropped = {reply.text for reply, answer in answers if reply.true and not shown(answer)}
    assert dropped == DROPPED_TRUE


def test_a_true_claim_is_shown_as_written_citing_its_source(answers):
    answer = next(a for r, a in answers if r.kind == "over-cited")
    assert answer.text == "Halden Motors is recalling 84,000 Tarn SUVs. [1]"
    assert [c.article.title for c in answer.citations] == [
        "Halden Motors recalls 84,000 Tarn SUVs over brake sensor fault"
    ]


def test_a_reply_of_more_sentences_than_asked_for_shows_max_sentences(kb, llm):
    sentence = "Putin warned that all foreign forces would ultimately have to leave Syria [{n}]. "
    llm.script = lambda request: Text(sentence.format(n=request.passage_with(PUTIN_PASSAGE)) * 9)

    answer = kb.ask(PUTIN, as_of=ASKED)

    assert answer.mode == "llm" and len(answer.sentences) == 4  # [answer] max_sentences
    assert [d.reason for d in answer.model_run.dropped] == ["past the 4 sentences asked for"] * 5
