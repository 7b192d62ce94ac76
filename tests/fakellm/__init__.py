"""A scripted OpenAI-compatible server for the tests of answers written by a language model."""

from tests.fakellm.server import (
    ChatRequest,
    CutOff,
    Hang,
    Malformed,
    Script,
    ScriptedLLM,
    Status,
    Text,
)

__all__ = [
    "ChatRequest",
    "CutOff",
    "Hang",
    "Malformed",
    "Script",
    "ScriptedLLM",
    "Status",
    "Text",
]
