"""Core value types, errors and configuration shared by every layer."""
