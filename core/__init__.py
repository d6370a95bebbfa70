"""phase25's engine: everything but the screen.

Layers (DESIGN.md; enforced by tests/foundation/test_layers.py), each importing only those before it:
* foundation: config, events, stage_summaries, runs, run_index, state, pipeline (the stage table), stagekit,
  paths, procs, fmt, textfile; pydantic and the standard library only;
* domain: codemode, data, evaluation, training, convert (fuse, quantize), tokenizers, demo, doctor;
  may use mlx and mlx-lm;
* stages: ``core.stages``, one process per stage, turning domain calls into events;
* runner: ``core.runner`` starts stage processes by name and samples their memory;
* cli: ``core.cli``, the ``phase25`` command (rich lives here and in the dashboard only).
Nothing in core imports textual or the dashboard.
"""
