"""Who is entitled, and in what order: the eligibility policy as data, and its SQL."""
