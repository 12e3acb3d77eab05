"""Widgets: one per file, each rendering one part of the session."""
