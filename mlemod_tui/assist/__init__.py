"""Where proposals come from: offline erosion rules (and, later, a local model)."""
