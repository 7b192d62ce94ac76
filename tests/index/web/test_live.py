"""Live sources end to end: feeds and pages on a loopback server, through the knowledge
base and the command line, with the real model and index."""

from __future__ import annotations

import pytest

from bot.cli import main
from index.config import FetchSettings, SourceSettings
from index.knowledge_base import KnowledgeBase
from tests.conftest import ASKED, model_section
from tests.index.web.webserver import Versioned, WebServer, fixture

pytestmark = pytest.mark.model

ARTICLES = ("tram", "ferry", "library", "market", "night-buses", "wind", "bridge")


@pytest.fixture
def web():
    with WebServer() as server:
        for name in ARTICLES:
            server.route(
                f"/articles/{name}.html",
                Versioned("text/html", fixture(f"articles/{name}.html", server)),
            )
        server.route("/rss.xml", Versioned("application/rss+xml", fixture("rss.xml", server)))
        yield server


def live_settings(settings, web, sources):
    return settings.model_copy(
        update={
            "fetch": FetchSettings(allowed_hosts=["127.0.0.1"], retries=0),
            "sources": [SourceSettings(url=web.url(path), kind=kind) for path, kind in sources],
        }
    )


def test_reindex_fetches_a_feed_and_answers_from_its_articles_with_dates(settings, embedder, web):
    kb = KnowledgeBase(live_settings(settings, web, [("/rss.xml", "feed")]), embedder)
    summary = kb.reindex()
    assert summary.fetched is not None and summary.fetched.new_articles == 3
    assert summary.added == 7 + 3
    answer = kb.ask("How many extra ferry crossings will run in winter?", as_of=ASKED)
    source = answer.citations[0].article  # a short answer may cite one more
    assert source.source == "Harbour Gazette" and source.published is not None
    assert source.url.startswith(web.base)


def test_a_second_reindex_fetches_only_what_is_new(settings, embedder, web):
    kb = KnowledgeBase(live_settings(settings, web, [("/rss.xml", "feed")]), embedder)
    kb.reindex()
    pages_before = len([r for r in web.requests if r.path.startswith("/articles/")])
    summary = kb.reindex()
    assert summary.fetched.not_modified == 1 and summary.fetched.new_articles == 0
    assert not summary.changed
    pages_after = len([r for r in web.requests if r.path.startswith("/articles/")])
    assert pages_after == pages_before, "already stored articles were fetched again"


def test_unreachable_sources_are_reported_and_the_rest_is_indexed(settings, embedder, web):
    sources = [("/rss.xml", "feed"), ("/missing.xml", "feed"), ("/articles/market.html", "page")]
    kb = KnowledgeBase(live_settings(settings, web, sources), embedder)
    summary = kb.reindex()
    assert [s.reason for s in summary.fetched.skipped] == ["HTTP 404"]
    assert summary.fetched.new_articles == 4
    assert "fish market" in kb.ask("Where will the Saturday fish market move?", as_of=ASKED).text


def test_newsbot_add_detects_a_page_fetches_it_and_reindexes(
    tmp_path, articles_dir, web, capsys, model_cache
):
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'[index]\ndata_dir = "data"\narticles = ["{articles_dir}"]\n'
        + model_section(model_cache)
        + '[fetch]\nallowed_hosts = ["127.0.0.1"]\nretries = 0\n'
    )
    assert main(["--config", str(config), "add", "-q", web.url("/articles/wind.html")]) == 0
    out = capsys.readouterr().out
    assert "added page" in out and "1 new articles" in out and "8 articles" in out
    assert main(["--config", str(config), "reindex", "-q"]) == 0
    assert "not modified" in capsys.readouterr().out


def add_config(tmp_path, articles_dir, model_cache, allowed_hosts=()):
    config = tmp_path / "newsbot.toml"
    hosts = ", ".join(f'"{host}"' for host in allowed_hosts)
    config.write_text(
        f'[index]\ndata_dir = "data"\narticles = ["{articles_dir}"]\n'
        + model_section(model_cache)
        + f"[fetch]\nallowed_hosts = [{hosts}]\nretries = 0\n"
    )
    return config


@pytest.mark.parametrize("kind", [None, "feed", "sitemap", "page"])
@pytest.mark.parametrize("where", ["loopback", "private"])
def test_newsbot_add_of_a_refused_url_fails_and_stores_nothing(
    tmp_path, articles_dir, web, capsys, kind, where, model_cache
):
    config = add_config(tmp_path, articles_dir, model_cache)  # 127.0.0.1 not allowed
    url = web.url("/rss.xml") if where == "loopback" else "http://10.0.0.5/feed.xml"
    args = ["--config", str(config), "add", "-q", url] + (["--kind", kind] if kind else [])

    code = main(args)

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.startswith(f"newsbot: {url}: resolves to a ") and err.count("\n") == 1
    assert "address" in err and "(not allowed)" in err
    assert not (tmp_path / "data" / "web.sqlite3").exists()
    assert web.requests == []


def test_newsbot_add_of_a_missing_page_fails_and_stores_nothing(
    tmp_path, articles_dir, web, capsys, model_cache
):
    config = add_config(tmp_path, articles_dir, model_cache, ["127.0.0.1"])
    url = web.url("/articles/gone.html")

    code = main(["--config", str(config), "add", "-q", "--kind", "page", url])

    assert (code, capsys.readouterr().err) == (1, f"newsbot: {url}: HTTP 404\n")
    assert not (tmp_path / "data" / "web.sqlite3").exists()


def test_newsbot_add_with_a_kind_checks_it_then_fetches_and_reindexes(
    tmp_path, articles_dir, web, capsys, model_cache
):
    config = add_config(tmp_path, articles_dir, model_cache, ["127.0.0.1"])

    assert main(["--config", str(config), "add", "-q", "--kind", "feed", web.url("/rss.xml")]) == 0
    out = capsys.readouterr().out
    assert "added feed" in out and "3 new articles" in out and "10 articles" in out
    code = main(["--config", str(config), "add", "-q", "--kind", "page", web.url("/rss.xml")])
    assert code == 1
    assert "Content-Type application/rss+xml, expected an HTML page" in capsys.readouterr().err


def test_a_private_address_is_refused_unless_allowed(settings, embedder, web):
    refused = settings.model_copy(
        update={"sources": [SourceSettings(url=web.url("/rss.xml"), kind="feed")]}
    )
    summary = KnowledgeBase(refused, embedder).reindex()
    [failure] = summary.fetched.skipped
    assert "loopback" in failure.reason
    assert web.requests == []
