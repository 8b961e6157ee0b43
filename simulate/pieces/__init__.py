"""The built-in pieces of the engine: noise laws, objectives, methods and metrics (``simulate.engine.interfaces``
signatures), each registered once with its facts."""
