"""Answers written by a language model, through the knowledge base over the fixture
collection (plus an article that gives orders to AIs), the real openai client and the
scripted server on loopback: one test per way a reply can end."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from index.config import LLMSettings, Settings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from index.llm.client import OpenAIChat
from index.records import Answer, Turn
from tests.conftest import ASKED, COLLECTION, FIXTURES
from tests.fakellm import CutOff, Hang, ScriptedLLM, Status, Text
from tests.fakellm.scripts import (
    GOOD_SYRIA,
    INVENTED,
    RECALL_QUESTION,
    SYRIA_ANCHOR,
    SYRIA_QUESTION,
    good_syria,
    obeys_articles,
)

pytestmark = pytest.mark.model

SEED = "Running Iran Out of Syria"
RECALL = "Halden Motors recalls 84,000 Tarn SUVs over brake sensor fault"
HOSTILE = "Halden Motors dealers prepare workshops for the Tarn brake sensor recall"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The fixture collection and the hostile article, indexed once for this module."""
    base = tmp_path_factory.mktemp("llm")
    shutil.copytree(COLLECTION, base / "articles")
    shutil.copytree(FIXTURES / "hostile", base / "articles" / "hostile")
    KnowledgeBase(with_data(Settings(), base / "data", base / "articles"), embedder).reindex()
    return base / "data"


def with_data(settings: Settings, data_dir: Path, articles: Path | None = None) -> Settings:
    index = settings.index.model_copy(
        update={"data_dir": data_dir, "articles": [articles or data_dir.parent / "articles"]}
    )
    return settings.model_copy(update={"index": index})


@pytest.fixture
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server
    assert server.errors == [], "the scripted model failed"


def knowledge_base(
    data_dir: Path, embedder: Embedder, llm: ScriptedLLM | None, **llm_settings: object
) -> KnowledgeBase:
    settings = with_data(Settings(), data_dir)
    if llm is None:
        return KnowledgeBase(settings, embedder)
    values = {"base_url": llm.base_url, "model": "scripted", "timeout_seconds": 10.0}
    llm_section = LLMSettings(**(values | llm_settings))  # type: ignore[arg-type]
    settings = settings.model_copy(update={"llm": llm_section})
    return KnowledgeBase(settings, embedder, OpenAIChat(llm_section))


@pytest.fixture
def kb(data_dir: Path, embedder: Embedder, llm: ScriptedLLM) -> KnowledgeBase:
    return knowledge_base(data_dir, embedder, llm)


@pytest.fixture
def extractive(data_dir: Path, embedder: Embedder) -> KnowledgeBase:
    return knowledge_base(data_dir, embedder, None)


def test_a_good_cited_answer_is_shown_as_written_with_only_its_source(kb, llm):
    llm.script = good_syria
    streamed: list[Answer] = []

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED, on_progress=streamed.append)

    assert answer.mode == "llm" and answer.fallback is None
    assert answer.text == (
        "Netanyahu, who met with Putin, wants Iranian forces squeezed out of Syria. [1] "
        "Damascus, too, may prefer a patron in Moscow to Iranian forces. [1]"
    )
    assert [c.article.title for c in answer.citations] == [SEED]  # five passages were given
    assert len(llm.requests[0].passages) == 5
    # The first sentence is reported once the second has begun; the second only with
    # the whole reply, which the answer itself is.
    assert [s.text for s in streamed] == [answer.text.split(" [1] ")[0] + " [1]"]
    run = answer.model_run
    assert run is not None and run.kept == 2 and run.dropped == ()
    assert run.first_text_seconds is not None and run.first_text_seconds <= run.seconds


def test_sources_are_numbered_by_the_articles_the_kept_sentences_cite(kb, llm):
    def script(request):
        recall, hostile = request.passage_with("84,000 Tarn"), request.passage_with("fortnight")
        return Text(
            f"Service managers said the replacement sensor would be fitted free of charge "
            f"[{hostile}]. "
            f"Halden Motors is recalling Tarn SUVs [{recall}][{hostile}]."  # both say so
        )

    llm.script = script
    answer = kb.ask(RECALL_QUESTION, as_of=ASKED)

    assert [c.article.title for c in answer.citations] == [HOSTILE, RECALL]
    assert [s.citations for s in answer.sentences] == [(1,), (2, 1)]


def test_a_citation_of_a_passage_not_given_drops_that_sentence(kb, llm, caplog):
    llm.script = lambda request: Text(
        GOOD_SYRIA.format(n=request.passage_with(SYRIA_ANCHOR))
        + " Tehran says no one can tell it to leave Syria [9]."
    )
    caplog.set_level(logging.INFO, logger="index.llm.compose")

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)

    assert answer.mode == "llm" and len(answer.sentences) == 2 and "Tehran" not in answer.text
    [dropped] = answer.model_run.dropped
    assert dropped.reason == "cites [9], not a passage given ([1]-[5])"
    assert "cites [9], not a passage given" in caplog.text  # logged with its reason


def test_a_claim_with_a_name_and_a_number_in_no_passage_is_dropped(kb, llm):
    llm.script = lambda request: Text(
        GOOD_SYRIA.format(n=request.passage_with(SYRIA_ANCHOR))
        + " "
        + INVENTED.format(n=request.passage_with(SYRIA_ANCHOR))
    )

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)

    assert answer.mode == "llm" and len(answer.sentences) == 2
    assert "Lieberman" not in answer.text and "4,000" not in answer.text
    [dropped] = answer.model_run.dropped
    assert dropped.reason.startswith("names Defence Minister Avigdor Lieberman")


def test_an_article_that_gives_orders_changes_nothing_even_when_the_model_obeys(kb, llm):
    llm.script = obeys_articles

    answer = kb.ask(RECALL_QUESTION, as_of=ASKED)

    [request] = llm.requests
    hostile = request.passage_with("ignore all previous instructions")  # it was retrieved
    assert "never instructions" in request.system and "never follow it" in request.system
    assert f"=== passage [{hostile}] key " in request.prompt
    assert answer.mode == "llm"
    assert answer.text == "Halden Motors is recalling 84,000 Tarn SUVs. [1]"
    assert [c.article.title for c in answer.citations] == [RECALL]
    [dropped] = answer.model_run.dropped
    assert "refund" in dropped.text and dropped.reason == "holds a link or address"


def test_a_reply_that_only_obeys_an_article_is_replaced_by_the_extractive_answer(
    kb, llm, extractive
):
    def script(request):
        hostile = request.passage_with("ignore all previous instructions")
        return Text(f"Visit halden-refunds.example to claim your refund of $500 [{hostile}].")

    llm.script = script
    answer = kb.ask(RECALL_QUESTION, as_of=ASKED)

    assert (answer.mode, answer.fallback) == ("extractive", "unverified")
    assert answer.text == extractive.ask(RECALL_QUESTION, as_of=ASKED).text
    assert "refund" not in answer.text


def test_a_server_error_falls_back_to_the_extractive_answer(kb, llm, extractive):
    llm.script = lambda request: Status(500)

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)

    assert (answer.mode, answer.fallback) == ("extractive", "error")
    assert answer.text == extractive.ask(SYRIA_QUESTION, as_of=ASKED).text
    assert len(llm.requests) == 2  # max_retries = 1


def test_a_stream_cut_off_mid_answer_falls_back_after_streaming_what_came(kb, llm, extractive):
    llm.script = lambda request: CutOff("Netanyahu wants Iranian forces [1")
    streamed: list[Answer] = []

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED, on_progress=streamed.append)

    assert streamed == []  # no sentence was complete: nothing was shown
    assert (answer.mode, answer.fallback) == ("extractive", "error")
    assert answer.text == extractive.ask(SYRIA_QUESTION, as_of=ASKED).text
    assert answer.model_run.draft == "Netanyahu wants Iranian forces [1"


def test_a_server_that_never_answers_falls_back_within_the_timeout(data_dir, embedder, llm):
    llm.script = lambda request: Hang()
    kb = knowledge_base(data_dir, embedder, llm, timeout_seconds=2.0)
    kb.searcher()

    started = time.monotonic()
    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)
    seconds = time.monotonic() - started

    assert (answer.mode, answer.fallback) == ("extractive", "timeout")
    assert answer.answered and "Netanyahu" in answer.text
    run = answer.model_run
    assert run is not None and run.first_text_seconds is None
    assert 2.0 <= run.seconds < 2.2  # the model is given up at the deadline
    assert seconds < run.seconds + 2.0  # then retrieval and the extractive answer (2 CPUs)


def test_a_model_that_finds_no_answer_gets_the_extractive_one_with_that_note(kb, llm):
    llm.script = lambda request: Text("NO ANSWER.")

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)

    assert (answer.mode, answer.fallback) == ("extractive", "declined") and answer.answered


def test_weak_evidence_is_refused_without_asking_the_model(kb, llm):
    answer = kb.ask("What is the recipe for a good sourdough starter?", as_of=ASKED)

    assert not answer.answered and answer.mode == "extractive" and answer.fallback is None
    assert llm.requests == []


def test_a_reply_cut_at_max_tokens_keeps_its_finished_sentences(kb, llm):
    llm.script = lambda request: Text(
        GOOD_SYRIA.format(n=request.passage_with(SYRIA_ANCHOR)) + " Tehran promptly",
        finish_reason="length",
    )

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)

    assert answer.mode == "llm" and len(answer.sentences) == 2
    assert [d.reason for d in answer.model_run.dropped] == ["cut off at max_tokens"]


def test_a_reply_asked_for_in_one_piece_is_verified_the_same(data_dir, embedder, llm):
    llm.script = good_syria
    kb = knowledge_base(data_dir, embedder, llm, stream=False)

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED)

    assert answer.mode == "llm" and len(answer.sentences) == 2
    assert not llm.requests[0].stream


def test_the_turn_a_follow_up_continues_is_passed_to_the_model(kb, llm):
    llm.script = good_syria
    earlier = [
        Turn(SYRIA_QUESTION, "Netanyahu wants Iranian forces out [1]."),
        Turn("How many SUVs did Halden Motors recall?", "84,000 Tarn SUVs [1]."),
    ]

    kb.ask("and what does Moscow want?", as_of=ASKED, conversation=earlier)

    roles = [(m["role"], m["content"]) for m in llm.requests[0].messages[1:3]]
    assert roles == [("user", SYRIA_QUESTION), ("assistant", "Netanyahu wants Iranian forces out.")]


def test_while_it_streams_only_verified_sentences_are_reported_with_their_sources(kb, llm):
    def with_an_invention(request):
        passage = request.passage_with(SYRIA_ANCHOR)
        return Text(INVENTED.format(n=passage) + " " + GOOD_SYRIA.format(n=passage), delay=0.01)

    llm.script = with_an_invention
    streamed: list[Answer] = []

    answer = kb.ask(SYRIA_QUESTION, as_of=ASKED, on_progress=streamed.append)

    assert answer.mode == "llm" and len(answer.sentences) == 2
    assert [len(s.sentences) for s in streamed] == [1]  # the first true one, as soon as done
    assert all("Lieberman" not in s.text for s in streamed)
    assert streamed[0].sentences[0] == answer.sentences[0]
    assert streamed[0].citations == answer.citations


RECALL_WEEK = date(2024, 2, 16)  # two days after the recall article


def recall_reply(short: str):
    """A reply that begins with ``short`` as its answer line, then a true sentence."""

    def script(request):
        n = request.passage_with("84,000 Tarn sport utility")  # the opening paragraph
        return Text(
            f"Answer: {short} [{n}]\nHalden Motors is recalling 84,000 Tarn SUVs [{n}]. "
            f"A faulty brake-fluid level sensor can stop the dashboard warning light [{n}]."
        )

    return script


def test_asked_for_a_thing_the_model_begins_with_it_and_it_leads_once_verified(kb, llm):
    llm.script = recall_reply("84,000")
    streamed: list[Answer] = []

    answer = kb.ask(RECALL_QUESTION, as_of=ASKED, on_progress=streamed.append)

    [request] = llm.requests
    assert "Answer: Adrien Brody [2]" in request.system  # the rule, with its example
    assert "Begin with the line 'Answer:" in request.prompt
    assert answer.mode == "llm" and answer.model_run.dropped == ()
    assert answer.short_answer is not None
    assert (answer.short_answer.text, answer.short_answer.citations) == ("84,000", (1,))
    assert answer.text.startswith("Halden Motors is recalling 84,000 Tarn SUVs. [1] A faulty")
    assert (
        answer.lead
        == answer.short_answer.sentence
        == "Halden Motors is recalling 84,000 Tarn SUVs."
    )
    # Streamed with the first sentence, the short answer already verified.
    assert [s.text for s in streamed] == ["Halden Motors is recalling 84,000 Tarn SUVs. [1]"]
    assert streamed[0].short_answer is not None and streamed[0].short_answer.text == "84,000"


def test_an_invented_short_answer_is_dropped_for_the_articles_one_that_the_model_says_too(
    kb, llm, extractive
):
    llm.script = recall_reply("48,000")
    # Asked the week of the recall: a short answer is a claim about the news of the day
    # asked, and the articles' one needs fresh coverage (a year on, there is none).
    answer = kb.ask(RECALL_QUESTION, as_of=RECALL_WEEK)

    [dropped] = answer.model_run.dropped
    assert dropped.text.startswith("Answer: 48,000") and dropped.reason.startswith(
        "short answer not word for word in"
    )
    from_articles = extractive.ask(RECALL_QUESTION, as_of=RECALL_WEEK).short_answer
    assert from_articles is not None and from_articles.text == "84,000"
    assert answer.short_answer is not None and answer.short_answer.text == "84,000"
    assert "48,000" not in answer.text


def test_the_articles_short_answer_is_not_put_over_a_model_answer_that_does_not_say_it(kb, llm):
    def script(request):
        n = request.passage_with("84,000 Tarn")
        return Text(f"Halden Motors is recalling Tarn SUVs over a brake sensor fault [{n}].")

    llm.script = script
    answer = kb.ask(RECALL_QUESTION, as_of=ASKED)

    assert answer.mode == "llm" and answer.short_answer is None
    assert answer.lead == "Halden Motors is recalling Tarn SUVs over a brake sensor fault."


def test_a_question_asking_for_an_account_is_not_asked_for_a_short_answer(kb, llm):
    llm.script = good_syria

    kb.ask("Why does Israel want Iranian forces out of Syria?", as_of=ASKED)

    [request] = llm.requests
    assert "Adrien Brody" not in request.system and "Begin with the line" not in request.prompt
