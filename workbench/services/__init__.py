"""Service functions: what the CLI and the TUI both call. They take a workspace and return plain values."""
