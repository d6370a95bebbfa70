"""The plug-in subcommands of ``phase25``: each module here has ``register(subparsers)`` and is
picked up by ``core.cli.app.build_parser``."""
