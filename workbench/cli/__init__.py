"""The command-line face: scripting and CI. Every command has ``--json``."""
