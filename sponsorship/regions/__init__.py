"""Kecamatan and kelurahan of Pangkalpinang (Kemendagri codes), shipped as data."""
