"""Text: normalisation for matching and language identification."""
