"""newsbot's knowledge base, in pipeline order: ``ingest`` (read, clean, chunk), ``embedding``,
``store`` (index generations), ``search`` (retrieve, answer); ``web`` fetches live sources
beside it. Never imports discord or the front ends in ``bot``."""
