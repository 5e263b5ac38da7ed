"""In-app notifications: what waits on each user, derived from the data, plus what they have seen."""
