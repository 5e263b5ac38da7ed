"""The beneficiary registry: residents, the agency lists they come from, and their disagreements."""
