"""The headless core: notebooks, kernels, execution, timing and scores.

Nothing under this package imports Textual; the TUI and the headless runner both drive it.
"""
