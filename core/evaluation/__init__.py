"""Evaluation: running the suite on a model and scoring it, comparing two models, the statistics
of the verdict, the physics of speed and memory, the report and the typed results view.

Domain layer: imports the foundation, core.codemode, core.data and (inside stage processes) mlx;
never core.stages, the runner or the CLI. The dashboard reads only ``core.evaluation.view``.
"""
