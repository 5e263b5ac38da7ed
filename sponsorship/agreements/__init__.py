"""Cooperation agreements (PKS) between the city and a company, for a pledge."""
