"""newsbot's knowledge base. Never imports discord or the front ends in ``bot``.

Its packages and modules import one way only, from a later layer to an earlier one
(``tests/test_layout.py`` holds them to it, and to no import cycle between packages):

1. foundations: ``errors``, ``records`` (typed records), ``config``, ``calendar`` (days),
   ``display``, ``durable`` (files written durably, checksums), ``sqlite_files`` (the
   web and feedback stores' files), ``injection``
2. ``ingest``: read, clean, chunk articles; sentence facts; URL keys
3. ``embedding`` (the model) and ``web`` (live sources)
4. ``store``: index generations, and each store's candidates for a query (local, Milvus)
5. ``search``: one ranking for every store (fusion, time prior, answering re-rank,
   diversification), retrieval and lookups
6. ``llm``: the language model's client, prompt and verification
7. ``answer``: the answer pipeline (retrieve -> rank -> extract -> compose -> verify)
8. ``indexer`` (reindex) and ``knowledge_base`` (what front ends use)
9. ``bench``
"""

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "records", "config", "calendar", "display", "durable", "sqlite_files", "injection"),
    ("ingest",),
    ("embedding", "web"),
    ("store",),
    ("search",),
    ("llm",),
    ("answer",),
    ("indexer", "knowledge_base"),
    ("bench",),
)
