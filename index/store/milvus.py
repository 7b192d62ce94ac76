"""The Milvus store: one index that several newsbot processes share.

Each passage is a row: its vector, its text, the article's metadata as scalar fields
(title, url, publisher, date, syndication reprints) and, for BM25 inside Milvus, its
lexical terms. The reindexing process keeps building generations in its data directory
(they hold the decisions of an incremental reindex: sources, content hashes, copies of a
story) and ``publish`` copies each into Milvus:

- Two collections, ``<prefix>_a`` and ``<prefix>_b``, and an alias ``<prefix>`` naming
  the one readers search. A publication brings the other collection up to date, then
  switches the alias: a reader resolves the alias once per index it opens and sees one
  whole collection, never a half-written one.
- Incremental by content hash: every row carries its article's stamp (the content hash
  and what syndication adds to the metadata); articles whose stamp differs or that are
  gone are deleted, new and changed ones inserted. The collection brought up to date
  holds the generation before the previous one, so it catches up on two reindexes.
- The generation, model, embedding backend, dimension and statistics are recorded in the
  collection's properties, and checked by readers as the local store's manifest is.

One reindex at a time: publications run under the data directory's reindex lock, so all
reindexes of one Milvus must run on one host (the other processes only read).

BM25 analysis: the terms field holds newsbot's own lexical tokens (``index.ingest.terms``:
lower-cased, stopwords removed, Snowball-stemmed), joined by spaces, and Milvus's
standard analyzer splits them again; questions are analysed the same way. So passages and
questions get exactly newsbot's tokens on Milvus Lite (whose analyzer cannot stem) and on
a server alike. What still differs is in ``index.store.milvus_reader``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import SecretStr
from pymilvus import DataType, Function, FunctionType, MilvusClient, MilvusException

from index.calendar import UNDATED
from index.config import Settings
from index.errors import ConfigError, IndexNotFoundError
from index.ingest.terms import lexical_tokens
from index.ingest.urls import loose_key
from index.records import ArticleInfo
from index.store.backend import BuiltWith
from index.store.generations import Generation
from index.store.local import generation_stats
from index.store.milvus_reader import Meta, MilvusIndex, reprints_json

log = logging.getLogger(__name__)

META = "newsbot"  # the collection property holding its Meta as JSON
TEXT_BYTES = 65_535  # Milvus's longest VARCHAR
MAX_KEYS = 4096  # Milvus's longest ARRAY
KEY_BYTES = 2048
BATCH_ROWS = 512


class MilvusStore:
    name = "milvus"

    def __init__(self, settings: Settings, token: SecretStr | None = None) -> None:
        self.settings = settings
        store = settings.store
        if not store.is_server:
            os.makedirs(os.path.dirname(store.uri) or ".", exist_ok=True)
        try:
            self.client = MilvusClient(
                uri=store.uri, token=token.get_secret_value() if token else ""
            )
        except MilvusException as error:
            shared = " (Milvus Lite lets one process open a file: share a server)"
            raise ConfigError(
                f"cannot open Milvus at {store.uri}: {error.message}"
                f"{'' if store.is_server else shared}"
            ) from None
        self.alias = store.collection
        self.where = f"Milvus collection '{self.alias}' at {store.uri}"

    # -- reading -----------------------------------------------------------------------

    def current(self) -> str | None:
        collection = self._live()
        if collection is None:
            return None
        meta = self._meta(collection)
        return meta.name if meta else None

    def open(self) -> MilvusIndex:
        collection = self._live()
        meta = self._meta(collection) if collection else None
        if collection is None or meta is None:
            raise IndexNotFoundError(
                f"nothing published in the {self.where}: run 'newsbot reindex'"
            )
        self.client.load_collection(collection)  # Milvus Lite loads nothing when opened
        built = BuiltWith(meta.model, meta.backend, meta.dimension, self.where)
        return MilvusIndex(self.client, collection, meta, built, self.settings.search)

    def _live(self) -> str | None:
        """The collection the alias names, None before the first publication."""
        # Asked first: pymilvus logs a describe of a missing alias as an error.
        if self.alias not in self.client.list_aliases().get("aliases", []):
            return None
        return str(self.client.describe_alias(self.alias)["collection_name"])

    def _meta(self, collection: str) -> Meta | None:
        try:
            properties = self.client.describe_collection(collection).get("properties", {})
        except MilvusException:
            return None
        raw = properties.get(META)
        return Meta.from_json(raw, collection) if raw else None

    # -- publishing --------------------------------------------------------------------

    def publish(self, generation: Generation) -> None:
        live = self._live()
        target = f"{self.alias}_b" if live == f"{self.alias}_a" else f"{self.alias}_a"
        stats = generation_stats(generation, self.name)
        meta = Meta.of(stats, target, self._vector_index(stats.chunks), self.settings.search)
        if live is not None and (found := self._meta(live)) and found.same_as(meta):
            return
        self._prepare(target, meta)
        wanted = dict(_stamps(generation))
        have = self._stamps(target)
        gone = [a for a, stamp in have.items() if wanted.get(a) != stamp]
        todo = {a for a, stamp in wanted.items() if have.get(a) != stamp}
        # New articles too: a killed publication may have left some of their passages.
        stale = sorted(todo.union(gone))
        for start in range(0, len(stale), BATCH_ROWS):
            self.client.delete(
                target, filter=f"article in {json.dumps(stale[start : start + BATCH_ROWS])}"
            )
        batch: list[dict[str, Any]] = []
        for row in _rows(generation, todo, wanted):
            batch.append(row)
            if len(batch) == BATCH_ROWS:
                self.client.insert(target, batch)
                batch = []
        if batch:
            self.client.insert(target, batch)
        self.client.flush(target)
        self.client.alter_collection_properties(target, properties={META: meta.as_json()})
        if live is None:
            self._point_alias(target)
        else:
            self.client.alter_alias(target, self.alias)
        log.info(
            "published %s to %s: %d articles removed or changed, %d written",
            generation.name, target, len(gone), len(todo),
        )  # fmt: skip

    def _vector_index(self, chunks: int) -> str:
        """ "hnsw" (Milvus's own approximate index) where ``[index] vector_index`` wants
        the local store approximate, "flat" where it wants it exact."""
        index = self.settings.index
        if index.vector_index == "auto":
            return "hnsw" if chunks >= index.approximate_from else "flat"
        return "hnsw" if index.vector_index == "pq" else "flat"

    def _point_alias(self, target: str) -> None:
        try:
            self.client.create_alias(target, self.alias)
        except MilvusException:  # left by a publication killed between its two steps
            self.client.alter_alias(target, self.alias)

    def _prepare(self, target: str, meta: Meta) -> None:
        """Keep ``target`` if its vectors were made as ``meta``'s are; else create it."""
        if self.client.has_collection(target):
            found = self._meta(target)
            if found is not None and found.compatible(meta):
                self.client.load_collection(target)
                return
            self.client.drop_collection(target)
        self._create(target, meta)

    def _create(self, name: str, meta: Meta) -> None:
        search = self.settings.search
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("pid", DataType.VARCHAR, max_length=KEY_BYTES, is_primary=True)
        schema.add_field("article", DataType.VARCHAR, max_length=KEY_BYTES)
        schema.add_field("stamp", DataType.VARCHAR, max_length=64)
        schema.add_field("ordinal", DataType.INT64)
        schema.add_field("title", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("url", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field(
            "url_keys", DataType.ARRAY, element_type=DataType.VARCHAR,
            max_capacity=MAX_KEYS, max_length=KEY_BYTES,
        )  # fmt: skip
        schema.add_field("publisher", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("publisher_key", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("author", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("published", DataType.INT64)  # date ordinal, UNDATED for none
        schema.add_field("reprints", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field(
            "terms", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True,
            analyzer_params={"tokenizer": "standard", "filter": ["lowercase"]},
        )  # fmt: skip
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=meta.dimension)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["terms"],
                output_field_names=["sparse"],
            )
        )
        indexes = self.client.prepare_index_params()
        if meta.vector_index == "hnsw":
            indexes.add_index(
                "vector", index_type="HNSW", metric_type="IP",
                params={"M": self.settings.index.hnsw_neighbors, "efConstruction": 200},
            )  # fmt: skip
        else:
            indexes.add_index("vector", index_type="FLAT", metric_type="IP")
        indexes.add_index(
            "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
            params={"bm25_k1": search.bm25_k1, "bm25_b": search.bm25_b},
        )  # fmt: skip
        for field in ("article", "publisher_key", "published"):
            indexes.add_index(field, index_type="INVERTED")
        # Strong: a reader sees every row written before the alias named the collection.
        self.client.create_collection(
            name, schema=schema, index_params=indexes, consistency_level="Strong"
        )

    def _stamps(self, collection: str) -> dict[str, str]:
        """Every article's stamp in ``collection`` (its first passage carries it)."""
        found: dict[str, str] = {}
        for row in _each(self.client, collection, "ordinal == 0", ["article", "stamp"]):
            found[str(row["article"])] = str(row["stamp"])
        return found


def _each(
    client: MilvusClient, collection: str, expression: str, fields: list[str]
) -> Iterator[dict[str, Any]]:
    iterator = client.query_iterator(
        collection, batch_size=1000, filter=expression, output_fields=fields
    )
    try:
        while batch := iterator.next():
            yield from batch
    finally:
        iterator.close()


def _stamps(generation: Generation) -> Iterator[tuple[str, str]]:
    """``(article, stamp)`` of every indexed article: its content hash and what its
    copies add (reprints and url keys), so a new copy of a story rewrites it too."""
    catalog = generation.catalog
    places = list(catalog.indexed_places())
    for start in range(0, len(places), BATCH_ROWS):
        ids = [article for article, _, _ in places[start : start + BATCH_ROWS]]
        records = {r.id: r for r in catalog.articles(ids)}
        reprints = catalog.reprints(ids)
        for article in ids:
            copies = sorted(loose_key(c.url) for c in catalog.copies_of(article) if c.url)
            parts = [
                records[article].content_hash,
                reprints_json(reprints.get(article, ())),
                copies,
            ]
            yield article, hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _rows(
    generation: Generation, todo: set[str], stamps: dict[str, str]
) -> Iterator[dict[str, Any]]:
    """The passages of the articles in ``todo``, as rows."""
    by_segment: dict[str, list[tuple[str, int]]] = {}
    for article, name, row in generation.catalog.indexed_places():
        if article in todo:
            by_segment.setdefault(name, []).append((article, row))
    for segment in generation.segments:
        wanted = by_segment.get(segment.name, [])
        chunk_article = np.asarray(segment.chunk_article)
        for start in range(0, len(wanted), BATCH_ROWS):
            part = wanted[start : start + BATCH_ROWS]
            infos = generation.infos(segment, [row for _, row in part])
            for article, row in part:
                info = infos[row]
                text = segment.article_text(row)
                keys = _url_keys(generation, info)
                chunks = list(enumerate(np.flatnonzero(chunk_article == row)))
                # The first passage, which carries the stamp, goes last: an article
                # whose stamp is in the collection has all its passages there.
                for ordinal, chunk in reversed(chunks):
                    begin, end = int(segment.chunk_start[chunk]), int(segment.chunk_end[chunk])
                    passage = text[begin:end]
                    yield {
                        "pid": f"{article}:{ordinal}",
                        "article": article,
                        "stamp": stamps[article],
                        "ordinal": ordinal,
                        "title": _fit(info.title),
                        "url": _fit(info.url or ""),
                        "url_keys": keys,
                        "publisher": _fit(info.source or ""),
                        "publisher_key": _fit((info.source or "").casefold()),
                        "author": _fit(info.author or ""),
                        "published": info.published.toordinal() if info.published else UNDATED,
                        "reprints": reprints_json(info.also_reported_by, TEXT_BYTES),
                        "start": begin,
                        "end": end,
                        "text": _fit(passage),
                        "terms": _fit(" ".join(lexical_tokens(f"{info.title}\n{passage}"))),
                        "vector": np.asarray(segment.vectors.vectors[chunk]).tolist(),
                    }


def _url_keys(generation: Generation, info: ArticleInfo) -> list[str]:
    """The loose url keys that find the article: its own and its copies'."""
    urls = [info.url, *(c.url for c in generation.catalog.copies_of(info.id))]
    keys = dict.fromkeys(loose_key(u) for u in urls if u)
    return [k for k in keys if len(k.encode()) <= KEY_BYTES][:MAX_KEYS]


def _fit(text: str, limit: int = TEXT_BYTES) -> str:
    """``text`` cut to ``limit`` bytes of UTF-8, the unit of Milvus's VARCHAR limits."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")
