"""The `redline` command line. Each module in this package adds its commands via `register(app)`."""

from redline.cli.app import app, main

__all__ = ["app", "main"]
