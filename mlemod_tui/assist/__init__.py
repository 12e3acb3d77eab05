"""Where repair proposals come from: a local model through Ollama, and the offline erosion
rules (``assist.rules``) that need no model at all.

Headless like the core: nothing here imports Textual, so the same code serves the TUI, the
``run`` and ``scan`` commands, and the tests.
"""
