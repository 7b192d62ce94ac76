"""Measuring newsbot: retrieval quality and speed against baselines."""
