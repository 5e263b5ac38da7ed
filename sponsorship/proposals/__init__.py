"""Aid proposals: intake, field verification, and the proposal's life cycle."""
