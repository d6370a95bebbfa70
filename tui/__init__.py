"""The dashboard, ``phase25-tui``: Textual only. It draws typed events (through the runner's API
and the foundation's RunState) and the typed results view (core.evaluation.view); it never imports
mlx, the stages, training, data or evaluation internals, so it starts fast and a crash in a stage
cannot take it down.

``app`` the application, ``control`` what the keys do to the pipeline, ``feed`` events from a
pipeline or a run another process writes, ``view`` the run shown, ``screens/`` and ``widgets/``.
"""
