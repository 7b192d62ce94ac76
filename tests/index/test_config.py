"""The core settings: the [llm] section; the embedding backend follows the device;
the model cache's place."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import LLMSettings, Settings, load_settings
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


def test_the_int8_backend_is_the_default_and_caches_in_the_data_dir(tmp_path):
    settings = load_settings(write(tmp_path, '[index]\ndata_dir = "store"\n'))
    assert settings.model.backend == "onnx-int8"
    assert settings.model.cache_dir == tmp_path.resolve() / "store" / "models"


def test_the_model_cache_can_be_shared_between_data_dirs(tmp_path):
    settings = load_settings(write(tmp_path, '[model]\ncache_dir = "../models"\n'))
    assert settings.model.cache_dir == tmp_path.resolve() / ".." / "models"


def test_off_the_cpu_the_default_backend_is_torch(tmp_path):
    settings = load_settings(write(tmp_path, '[model]\ndevice = "cuda"\n'))
    assert settings.model.backend == "torch"


def test_asking_for_int8_off_the_cpu_is_an_error_that_says_what_to_set(tmp_path):
    path = write(tmp_path, '[model]\ndevice = "cuda:0"\nbackend = "onnx-int8"\n')
    with pytest.raises(ConfigError, match=r"setting 'model'.*CPU only.*backend = \"torch\""):
        load_settings(path)


def test_an_unknown_backend_is_an_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"setting 'model\.backend'"):
        load_settings(write(tmp_path, '[model]\nbackend = "int4"\n'))


def test_unresolved_settings_leave_the_cache_to_the_data_dir():
    assert Settings().model.cache_dir is None


def test_the_store_is_local_unless_milvus_is_named_and_a_lite_file_is_relative(tmp_path):
    assert Settings().store.backend == "local"
    lite = load_settings(write(tmp_path, '[store]\nbackend = "milvus"\nuri = "db/m.db"\n'))
    assert (lite.store.backend, lite.store.uri) == ("milvus", str(tmp_path / "db/m.db"))
    server = load_settings(write(tmp_path, '[store]\nuri = "http://milvus:19530"\n'))
    assert server.store.uri == "http://milvus:19530" and server.store.is_server


def test_a_benchmark_keeps_apart_from_the_store_questions_are_answered_from(tmp_path):
    from index.config import StoreSettings

    lite = StoreSettings(backend="milvus", uri="/srv/newsbot/milvus.db").apart(tmp_path)
    assert lite.uri == str(tmp_path / "milvus.db")
    server = StoreSettings(backend="milvus", uri="http://milvus:19530").apart(tmp_path)
    assert (server.uri, server.collection) == ("http://milvus:19530", "newsbot_bench")
