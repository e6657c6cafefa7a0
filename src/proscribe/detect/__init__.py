"""Detection: mentions of registry entities in posts, and account screening."""
