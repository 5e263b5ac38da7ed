"""Shared building blocks: model base, errors, workflows, formatting, database helpers."""
