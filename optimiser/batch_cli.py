"""Batch commands for the CLI (placeholder until the batch module lands)."""

import typer


def register_batch_commands(app: typer.Typer) -> None:
    """Add the batch commands to the main CLI app."""
