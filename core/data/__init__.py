"""The training data and the 20-query suite: the chat-row schema, the preflight checks, the
deterministic builder of the Code Mode training set, and the suite's schema."""
