"""The MLX side of the train, fuse and quantize stages.

Everything here runs inside a stage process (never in the dashboard): data loading and the
deterministic batch order, the training callback that turns mlx-lm's reports into events,
checkpoints with a true resume, the multi-rank launch, fusing and quantizing. mlx and mlx-lm are
imported inside functions, so importing these modules stays cheap (a cached stage never loads mlx).

Domain layer: imports the foundation (the stage kit's StageIO, errors and events) and core.data;
never core.stages, the runner or the CLI (the multi-rank worker that drives it is a stage module).
"""
