"""Fixtures for the fake Discord's own tests."""

from tests.fakediscord.harness import fake_discord  # noqa: F401  (a fixture)
