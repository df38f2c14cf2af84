"""ingest layer (see ARCHITECTURE.md)."""
