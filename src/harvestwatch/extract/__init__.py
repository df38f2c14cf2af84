"""extract layer (see ARCHITECTURE.md)."""
