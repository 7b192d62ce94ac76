"""The ``newsbot`` command: the composition root for every front end."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

from bot import render
from bot.composition import DISCORD_TOKEN, knowledge_base, language_model, milvus_token, secret
from bot.progress_bar import ProgressBar
from bot.settings import AppSettings
from bot.terminal_draft import DraftPrinter
from index.calendar import parse_day
from index.config import load_settings
from index.display import printable
from index.errors import ConfigError, DateRangeError, InvalidQueryError, NewsbotError
from index.ingest.urls import display_url
from index.knowledge_base import KnowledgeBase
from index.records import SearchFilters
from index.search.publishers import UnknownPublisherError, resolve_publisher

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("newsbot.toml")
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_READER_GONE = 128 + signal.SIGPIPE  # 141, as for any command SIGPIPE ends
_ERROR_CHARS = 2_000  # an error line, at most


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose)
    try:
        settings = _settings(args.config)
        code = int(args.run(settings, args) or 0)
        sys.stdout.flush()  # a reader gone shows here, not in Python's flush at exit
        return code
    except KeyboardInterrupt:
        print("newsbot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _reader_gone()
    except (NewsbotError, ValueError) as error:  # written for the user: the message says it
        return _failed(str(error), verbose=args.verbose)
    except Exception as error:  # a bug or a library's failure: say what, and how to see more
        what = f"{args.command} failed unexpectedly: {type(error).__name__}: {error}"
        hint = "" if args.verbose else " (rerun with -v for the traceback)"
        return _failed(what, hint, verbose=args.verbose)


def configure_logging(*, verbose: bool) -> None:
    """The process's logging, set once here: libraries' own noise kept down."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # Milvus Lite lacks AllocTimestamp, which query iterators ask for before falling back
    # to the client's clock: its in-process server would log each refusal as an error
    # with a traceback, and pymilvus the fallback.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
    # Our own progress bars are enough: none from the model's loader (transformers reads
    # this when it is first imported).
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _reader_gone() -> int:
    """Whoever read the output stopped reading (``newsbot search x | head -1``): end
    without a word, with the status of a command that SIGPIPE ended. What is still
    buffered goes to /dev/null, so that Python's flush at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


def _failed(message: str, hint: str = "", *, verbose: bool) -> int:
    """Print the error as one line on stderr (after its traceback, with -v)."""
    if verbose:
        traceback.print_exc(file=sys.stderr)
    line = printable(" ".join(message.split()), _ERROR_CHARS)
    print(f"newsbot: {line}{hint}", file=sys.stderr)
    return EXIT_ERROR


def _settings(config: Path | None) -> AppSettings:
    if config is None and DEFAULT_CONFIG.exists():
        config = DEFAULT_CONFIG
    return load_settings(config, AppSettings)


def cmd_reindex(settings: AppSettings, args: argparse.Namespace) -> int:
    kb = knowledge_base(settings, answers=False)
    with ProgressBar(enabled=not args.quiet) as bar:
        summary = kb.reindex(progress=bar.update)
    print(render.summary_text(summary))
    return 0


def cmd_add(settings: AppSettings, args: argparse.Namespace) -> int:
    """Add a feed, sitemap or article page for good, fetch it and reindex. A source
    that cannot be fetched (a refused address, an HTTP error, not of its kind) is an
    error, and nothing is stored."""
    kb = knowledge_base(settings, answers=False)
    kind = kb.live.check(args.url, args.kind)
    source = kb.live.add(args.url, kind, args.name)
    print(f"added {source.kind} {display_url(source.url)}")
    with ProgressBar(enabled=not args.quiet) as bar:
        fetched = kb.live.refresh([source])
        summary = kb.reindex(progress=bar.update, fetch=False)
    summary.fetched = fetched
    print(render.summary_text(summary))
    return 0


def cmd_ask(settings: AppSettings, args: argparse.Namespace) -> int:
    kb = knowledge_base(settings)
    filters = _filters(args, kb)
    if args.json:
        answer = kb.ask(args.question, filters, as_of=_asked_on(args))
        print(render.json_text(render.answer_json(answer)))
        return 0
    printer = DraftPrinter(sys.stdout, streaming=sys.stdout.isatty())
    answer = kb.ask(args.question, filters, as_of=_asked_on(args), on_progress=printer)
    printer.finish(answer)
    return 0


def cmd_search(settings: AppSettings, args: argparse.Namespace) -> int:
    kb = knowledge_base(settings, answers=False)
    hits = kb.search(args.query, args.k, _filters(args, kb), as_of=_asked_on(args))
    if args.json:
        print(render.json_text(render.hits_json(hits)))
    else:
        print(render.hits_text(hits))
    return 0


def cmd_check(settings: AppSettings, args: argparse.Namespace) -> int:
    """Verify the index in full; changes nothing (a damaged index: exit 1, one line)."""
    stats = knowledge_base(settings, answers=False).check()
    print(
        f"index {stats.generation} is sound: {stats.articles} articles, {stats.chunks} "
        "passages; every file matches its checksum and the parts agree"
    )
    return 0


def cmd_stats(settings: AppSettings, args: argparse.Namespace) -> int:
    print(render.stats_text(knowledge_base(settings, answers=False).stats()))
    return 0


def cmd_chat(settings: AppSettings, args: argparse.Namespace) -> int:
    kb = knowledge_base(settings, serving=True)
    printer = DraftPrinter(sys.stdout, streaming=sys.stdout.isatty())
    interactive = sys.stdin.isatty()
    kb.searcher()  # load the model and index before the first prompt
    questions = [args.first] if args.first else []
    if interactive:
        print("Ask about the indexed articles; an empty line or Ctrl-D ends the chat.")
    for question in _chat_lines(questions, interactive):
        if not interactive:  # echo the question read, as a terminal would have
            print(f"> {printable(question)}")
        try:
            printer.finish(kb.ask(question, as_of=_asked_on(args), on_progress=printer))
        except ValueError as error:  # a bad question ends only that question
            print(f"newsbot: {error}")
        print()
    return 0


def _chat_lines(first: list[str], interactive: bool) -> Iterator[str]:
    yield from first
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            return
        if not line.strip():
            if interactive:
                return
            continue
        yield line


def cmd_run(settings: AppSettings, args: argparse.Namespace) -> int:
    """The Discord bot, with the token from the environment (never from a file)."""
    token = secret(DISCORD_TOKEN)
    if token is None:
        raise ConfigError(
            f"set {DISCORD_TOKEN} to the bot's token to connect to Discord "
            "(without it, 'newsbot chat' answers in the terminal)"
        )
    from bot.discord.run import run_bot

    asyncio.run(run_bot(knowledge_base(settings, serving=True), settings, token))
    return 0


def cmd_start(settings: AppSettings, args: argparse.Namespace) -> int:
    """The main job: the Discord bot when a token is set, else the terminal chat."""
    if secret(DISCORD_TOKEN) is not None:
        return cmd_run(settings, args)
    print(
        f"No {DISCORD_TOKEN} set: starting the terminal chat. "
        f"Set {DISCORD_TOKEN} to run the Discord bot instead.\n"
    )
    return cmd_chat(settings, args)


def cmd_bench(settings: AppSettings, args: argparse.Namespace) -> int:
    from index.bench.sets import run_benchmarks

    report = run_benchmarks(
        settings,
        args.directory,
        work_dir=args.work_dir,
        log=_stderr,
        chat=language_model(settings),
        milvus_token=milvus_token(),
    )
    if args.details:
        report.write_details(args.details)
    print(json.dumps(report.as_json()) if args.json else report.text())
    return 0


def cmd_bench_scale(settings: AppSettings, args: argparse.Namespace) -> int:
    from index.bench.scale import run_scale_benchmark

    report = run_scale_benchmark(settings, args.articles, work_dir=args.work_dir, log=_stderr)
    print(json.dumps(report.as_json()) if args.json else report.text())
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _filters(args: argparse.Namespace, kb: KnowledgeBase) -> SearchFilters:
    """The filters the flags ask for: each ``--source`` the indexed publisher it means
    (close matches suggested when there is none), the days in order."""
    sources: tuple[str, ...] = ()
    if args.source:
        known = [name for name, _ in kb.stats().sources]
        try:
            sources = tuple(resolve_publisher(name, known) for name in args.source)
        except UnknownPublisherError as error:
            hint = "" if error.close else " 'newsbot stats' lists them."
            raise InvalidQueryError(f"--source: {error}{hint}") from None
    try:
        filters = SearchFilters(sources=sources, since=args.since, until=args.until)
    except DateRangeError as error:
        raise InvalidQueryError(f"--since {error.first} is after --until {error.last}") from None
    if args.since and args.as_of and args.since > args.as_of:
        raise InvalidQueryError(
            f"--since {args.since} is after --as-of {args.as_of}: no article published by "
            "then is that recent"
        )
    return filters


def _asked_on(args: argparse.Namespace) -> date:
    """The day a question is asked: ``--as-of``, else today (read per question, so a
    chat left open past midnight moves on with the calendar)."""
    return args.as_of or date.today()


def _iso_date(value: str) -> date:
    try:
        return parse_day(value)
    except InvalidQueryError as error:  # argparse names the flag before it
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return number


def _as_of_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="ask as of this day: later articles do not exist yet (default: today)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot", description="Question answering over news articles, with sources."
    )
    parser.add_argument(
        "--config", type=Path, help=f"settings file (default: ./{DEFAULT_CONFIG} if present)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: Callable[..., int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    reindex = command(
        "reindex", cmd_reindex, "fetch the web sources, read the articles, update the index"
    )
    add = command("add", cmd_add, "add a feed, sitemap or article page; fetch it; reindex")
    add.add_argument("url")
    add.add_argument("--kind", choices=["feed", "sitemap", "page"], help="default: detected")
    add.add_argument("--name", help="publisher name to show (default: from the feed or page)")
    for sub in (reindex, add):
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    ask = command("ask", cmd_ask, "answer a question with its sources")
    ask.add_argument("question")
    search = command("search", cmd_search, "list the passages that match a query")
    search.add_argument("query")
    search.add_argument("-k", type=_positive, default=None, help="how many passages")
    for sub in (ask, search):
        sub.add_argument("--json", action="store_true", help="print JSON")
        sub.add_argument("--source", action="append", help="only this publisher (repeatable)")
        sub.add_argument("--since", type=_iso_date, help="published on or after YYYY-MM-DD")
        sub.add_argument("--until", type=_iso_date, help="published on or before YYYY-MM-DD")
        _as_of_option(sub)

    command("stats", cmd_stats, "describe the index")
    command("check", cmd_check, "verify the index in full without changing it")
    command("run", cmd_run, f"run the Discord bot (token from {DISCORD_TOKEN})")
    for name, run, help in (
        ("chat", cmd_chat, "terminal chat: one question per line"),
        ("start", cmd_start, "run the Discord bot if DISCORD_TOKEN is set, else the chat"),
    ):
        sub = command(name, run, help)
        sub.add_argument("--first", metavar="QUESTION", help="ask this before reading input")
        _as_of_option(sub)

    bench = command("bench", cmd_bench, "measure retrieval quality and speed")
    bench.add_argument(
        "directory", type=Path, nargs="+", help="folders with articles.jsonl, questions.jsonl"
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--details", type=Path, help="write a JSON line per question here")
    bench.add_argument("--work-dir", type=Path, help="where to build the indexes (default: temp)")
    scale = command("bench-scale", cmd_bench_scale, "measure the index at N synthetic articles")
    scale.add_argument("articles", type=_positive, help="how many articles to generate")
    scale.add_argument("--json", action="store_true", help="print one JSON object")
    scale.add_argument("--work-dir", type=Path, help="where to build it (default: temp)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
