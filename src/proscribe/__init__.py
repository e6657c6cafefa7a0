"""proscribe: enforce a platform's Dangerous Organizations and Individuals policy."""

__version__ = "0.1.0"
