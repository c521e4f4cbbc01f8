"""secretsmanager checks (to be written)."""

from __future__ import annotations

from workbench.collectors.base import Check

CHECKS: tuple[type[Check], ...] = ()
