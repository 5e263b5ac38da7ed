"""The public transparency page: what companies pledged and where help is still needed."""
