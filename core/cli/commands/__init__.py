"""The plug-in subcommands of ``phase25``: each module here has ``register(subparsers)`` and is
picked up by ``core.cli.app.build_parser``. Like the rest of the CLI they may import the
foundation, the runner, the domain and ``core.cli``; they render with rich."""
