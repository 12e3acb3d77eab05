"""mlemod-tui: run eroded ML notebooks cell by cell and bring them back to life."""

__version__ = "0.1.0"
