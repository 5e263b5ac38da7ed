"""Berita acara (official minutes) deciding aid proposals, and the mayor's approval."""
