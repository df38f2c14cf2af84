"""screen layer (see ARCHITECTURE.md)."""
