"""Answers written by a language model from the retrieved passages, verified sentence by
sentence against the passages they cite before anything is shown."""
