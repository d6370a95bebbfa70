"""Model conversion with MLX: fusing an adapter into its base model (float16, dequantizing a
quantized base first) and quantizing the fused model, each written whole or not at all.

Everything here runs inside a stage process (never in the dashboard); mlx and mlx-lm are imported
inside functions, so importing these modules stays cheap.

Domain layer: imports the foundation (core.staging for whole-folder writes); never core.stages,
the runner or the CLI.
"""
