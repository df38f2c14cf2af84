"""extract/lang layer (see ARCHITECTURE.md)."""
