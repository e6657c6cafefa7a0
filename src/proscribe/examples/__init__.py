"""Small fictional example inputs bundled with proscribe (used by `proscribe demo`)."""
