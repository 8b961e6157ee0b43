"""Orchestration: validated run configurations, cached resumable sweeps, executors (local or Dask), the context an
experiment receives, command-line overrides and progress."""
