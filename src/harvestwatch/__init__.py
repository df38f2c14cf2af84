"""harvestwatch: an evidence workbench for investigating forced organ harvesting."""

__version__ = "0.1.0"
