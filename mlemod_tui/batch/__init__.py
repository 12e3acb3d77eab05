"""Many notebooks at once: `mlemod-tui batch` and the TUI's folder screen.

Each notebook is one Dask task that runs the single-notebook headless repair flow with its own
kernel on a worker (an embedded LocalCluster by default, an existing cluster with
``--scheduler``). Nothing here imports Textual.
"""
