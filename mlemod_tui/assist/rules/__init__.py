"""Offline erosion rules."""
