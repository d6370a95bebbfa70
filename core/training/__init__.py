"""The MLX side of the train stage: training a LoRA / DoRA / full fine-tune on one rank or several.

Everything here runs inside a stage process (never in the dashboard): the plan (validated settings,
paths and cache fields), data loading and the deterministic batch order, the trainer and the
callback that turns mlx-lm's reports into events, checkpoints with a true resume, the multi-rank
launch (``distributed``), and the equivalent ``mlx_lm`` command lines (``mlx_commands``). mlx and
mlx-lm are imported inside functions, so importing these modules stays cheap (a cached stage never
loads mlx). Fusing and quantizing live in core.convert.

Domain layer: imports the foundation (the stage kit's StageIO, errors and events) and core.data;
never core.stages, the runner or the CLI (the multi-rank worker that drives it is a stage module).
"""
