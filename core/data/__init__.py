"""The training data and the suite: the chat-row schema, the preflight checks, the deterministic
builder of the Code Mode training set, and the suite's schema and builder.

Domain layer: imports the foundation, core.codemode and core.tokenizers; never core.evaluation,
core.stages, the runner or the CLI."""
