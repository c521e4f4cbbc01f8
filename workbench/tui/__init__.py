"""The Textual face of the workbench: screens over the same service functions the CLI calls.

Nothing outside this package imports Textual (an import-linter contract and a test keep the core headless).
"""
