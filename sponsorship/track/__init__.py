"""Public status check of an aid proposal (no login)."""
