"""The enforcement ledger: account state derived from moderation events."""
