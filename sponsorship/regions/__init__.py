"""Indonesia's regions (Kemendagri codes: province, kabupaten/kota, kecamatan, desa/kelurahan),
shipped as data and loaded by `flask --app app load-regions`; the city's own area is a setting."""
