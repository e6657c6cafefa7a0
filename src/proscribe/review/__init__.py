"""Review queue and appeals."""
