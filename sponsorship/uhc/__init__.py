"""The city's UHC figures (coverage and activity) and the dashboard built on them."""
