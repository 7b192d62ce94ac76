"""Finding and answering: BM25, hybrid retrieval, answer composition."""
