"""Payouts of approved aid proposals from a sponsor's aid fund."""
