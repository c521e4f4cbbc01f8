"""Automated evidence collectors (checks). Which controls a check evidences is data under ``controls/``."""
