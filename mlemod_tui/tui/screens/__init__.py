"""Screens: the notebook view and the modal dialogs."""
