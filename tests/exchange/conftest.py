"""Fixtures for the exchange tests: the reports' in-memory keyring, so packets are signed without an OS keyring."""

from tests.reports.conftest import memory_keyring  # noqa: F401 - a fixture, found by pytest through this module
