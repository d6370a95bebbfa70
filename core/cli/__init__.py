"""The headless ``phase25`` command, for scripts and CI: the same pipeline as the dashboard.

``app`` holds the parser and the pipeline subcommands, ``common`` what every subcommand shares,
and ``commands/`` the plug-in subcommands (each module has ``register(subparsers)``).
The CLI may import the foundation, the runner and the domain; nothing imports the CLI.
"""

from core.cli.app import main

__all__ = ["main"]
