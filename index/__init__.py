"""newsbot's knowledge base: loading, cleaning, chunking, embedding, storing, searching."""
