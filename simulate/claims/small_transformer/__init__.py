"""The small-transformer claims' shared pieces: model sizes and training profiles (``shapes``), tuned training
runs, intervals and loss rows (``common``)."""
