"""``python -m harvestwatch`` runs the CLI."""

from harvestwatch.cli import main

main()
