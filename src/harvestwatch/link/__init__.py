"""link layer (see ARCHITECTURE.md)."""
