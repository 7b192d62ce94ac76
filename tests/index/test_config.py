"""The core settings: the [llm] section."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import LLMSettings, load_settings
from index.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(text)
    return path


def test_without_an_llm_section_answers_stay_extractive(tmp_path: Path):
    settings = load_settings(write(tmp_path, "[index]\n"))
    assert settings.llm == LLMSettings() and not settings.llm.enabled


def test_an_llm_section_names_its_server_and_model(tmp_path: Path):
    text = '[llm]\nbase_url = "http://localhost:11434/v1"\nmodel = "llama3.2"\n'
    llm = load_settings(write(tmp_path, text)).llm
    assert llm.enabled and llm.model == "llama3.2"
    assert (llm.timeout_seconds, llm.max_retries, llm.stream) == (30.0, 1, True)


def test_a_server_without_a_model_is_an_error_that_says_what_to_add(tmp_path: Path):
    path = write(tmp_path, '[llm]\nbase_url = "http://localhost:8080/v1"\n')
    with pytest.raises(ConfigError, match=r"llm\.model is required"):
        load_settings(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('api_key = "sk-secret"', "unknown setting 'llm.api_key'"),
        ('base_url = "localhost:8080"', "setting 'llm.base_url'"),
        ("timeout_seconds = 0", "setting 'llm.timeout_seconds'"),
    ],
)
def test_bad_llm_settings_are_errors_naming_the_key(tmp_path: Path, line: str, message: str):
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, f'[llm]\nmodel = "m"\n{line}\n'))
