"""Shared-responsibility exchange: matrices read from and written to files that travel between organisations.

Imported files are untrusted input: every reader here bounds what it reads and never evaluates what it finds.
"""
