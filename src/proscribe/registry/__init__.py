"""The registry of designated organisations, persons and violent events."""
