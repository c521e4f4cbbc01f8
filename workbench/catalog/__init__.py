"""Frameworks, requirements and the control library, loaded from YAML under ``controls/``."""

from workbench.catalog.loader import load_catalog
from workbench.catalog.model import CADENCE_DAYS, OWNERS, Catalog, Control, Framework, Owner, Requirement

__all__ = ["CADENCE_DAYS", "OWNERS", "Catalog", "Control", "Framework", "Owner", "Requirement", "load_catalog"]
