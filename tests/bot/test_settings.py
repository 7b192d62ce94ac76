"""The settings file: one model for the user (AppSettings), the core sections for index/."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import AppSettings, DiscordSettings
from index.config import Settings, load_settings
from index.errors import ConfigError

FILE = """
[index]
data_dir = "data"

[discord]
ask_channels = [42]
cooldown_seconds = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(text)
    return path


def test_the_file_is_read_into_the_core_and_the_discord_sections(tmp_path: Path):
    settings = load_settings(write(tmp_path, FILE), AppSettings)
    assert isinstance(settings, AppSettings)
    assert settings.discord == DiscordSettings(ask_channels=[42], cooldown_seconds=3)
    assert settings.index.data_dir == tmp_path.resolve() / "data"


def test_an_unknown_discord_key_is_an_error_that_names_it(tmp_path: Path):
    path = write(tmp_path, FILE.replace("ask_channels", "ask_channel"))
    with pytest.raises(ConfigError, match=r"unknown setting 'discord\.ask_channel'"):
        load_settings(path, AppSettings)


def test_the_core_settings_know_nothing_of_discord(tmp_path: Path):
    assert "discord" not in Settings.model_fields
    with pytest.raises(ConfigError, match="unknown setting 'discord'"):
        load_settings(write(tmp_path, FILE))


def test_without_a_file_the_defaults_of_the_given_model_are_used():
    settings = load_settings(None, AppSettings)
    assert isinstance(settings, AppSettings) and settings.discord == DiscordSettings()
    assert settings.index.data_dir == Path.cwd() / "data"


def test_shards_are_off_unless_counted_and_a_group_must_fit_the_count(tmp_path: Path):
    assert DiscordSettings().shard_count is None
    group = DiscordSettings(shard_count=4, shard_ids=[2, 3])
    assert (group.shard_count, group.shard_ids) == (4, [2, 3])
    for text in ("shard_ids = [1]", "shard_count = 2\nshard_ids = [2]"):
        with pytest.raises(ConfigError, match="shard_ids"):
            load_settings(write(tmp_path, f"[discord]\n{text}\n"), AppSettings)
