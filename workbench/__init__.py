"""Compliance Evidence Workbench: one control set, many frameworks, evidence you can prove."""

__version__ = "0.1.0"
