"""Themes and stylesheets shipped inside the wheel as mlemod_tui.themes."""
