"""Setting the programme up for one kabupaten/kota (`flask --app app setup-city CODE`, the
first-run page): its scope, its government's name and officials' titles, the district court
of the dispute clause, the Baznas office and the address, all derived from the national data.

A level-2 name starts with "Kota" or "Kabupaten": that decides kota vs kabupaten and wali kota
vs bupati. Names of people, the letterhead emblem, accounts and numbering formats are the
admin's to fill on the settings page; `missing()` says what is still missing, by the same test
as the documents' readiness (documents/readiness.setting_missing).
"""
from __future__ import annotations

import contextlib

from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.regions import service as regions
from sponsorship.regions.load import load_regions
from sponsorship.settings import service as settings

KINDS = {"Kota": "Wali Kota", "Kabupaten": "Bupati"}


def split_name(name: str) -> tuple[str, str]:
    """("Kota", "Palu") from "Kota Palu"; ("Kabupaten", "Bangka") from "Kabupaten Bangka"."""
    kind, _, base = name.partition(" ")
    if kind not in KINDS or not base.strip():
        raise DomainError(_l("Nama kabupaten/kota tidak diawali \u201cKota\u201d atau \u201cKabupaten\u201d: "
                             "%(name)s.", name=name), field="area_code")
    return kind, base.strip()


def area_settings(code: str, *, short_name: str | None = None) -> dict[str, str]:
    """The settings that follow from a kabupaten/kota's code. `short_name` is the name as the
    city writes it where it differs from the Kemendagri spelling; the court is a default the
    admin confirms (a kabupaten's court often sits in another town). People's names and the
    office address are the admin's to fill in: they stay empty (missing) until then."""
    area = regions.regency(code)
    if area is None:
        raise DomainError(_l("Kode %(code)s bukan kabupaten/kota dalam data wilayah.", code=code),
                          field="area_code")
    kind, base = split_name(area.name)
    base = (short_name or "").strip() or base
    head = KINDS[kind]
    return {
        "area_code": area.code,
        "area_name": f"{kind} {base}",
        "head_title": head,
        "city_name": f"Pemerintah {kind} {base}",
        "city_short": base,
        "mayor_title": f"{head} {base}",
        "secretary_title": f"Sekretaris Daerah {kind} {base}",
        "court_name": f"Pengadilan Negeri {base}",
        "baznas_office": f"Baznas {kind} {base}",
    }


# What the admin fills in for an area, cleared when the install moves to another area.
AREA_PEOPLE_AND_OFFICE = ("mayor_name", "secretary_name", "secretary_nip", "unit_address")


def setup_city(code: str, *, actor=None, short_name: str | None = None) -> dict[str, str]:
    """Load the national data if it is not there yet and point the area settings at `code`
    (audited, one event per changed setting). Safe to run again: for the area already set up,
    only settings still empty are filled, so what an admin entered or confirmed (the court, the
    titles) stays. Returns the settings as they now are."""
    if not regions.loaded():
        load_regions(actor=actor)
        db.session.flush()
    code = code.strip()
    values = area_settings(code, short_name=short_name)
    same_area = settings.get_setting("area_code") == code
    if not same_area:  # another area's officials and office are not this one's
        for key in AREA_PEOPLE_AND_OFFICE:
            if settings.get_setting(key):
                settings.set_setting(key, "", actor=actor)
    for key, value in values.items():
        stored = settings.stored_setting(key)
        if same_area and isinstance(stored, str) and stored.strip():
            continue
        settings.set_setting(key, value, actor=actor)
    return {key: settings.get_setting(key) for key in values}


def configured() -> bool:
    return bool(settings.get_setting("area_code"))


def missing() -> list[str]:
    """What the admin still has to fill in (labels), empty when the install is ready."""
    if not configured():
        return [str(_l("Wilayah kabupaten/kota belum dipilih."))]
    from sponsorship.documents.readiness import setting_missing  # the one test of "missing"

    return [str(setting.label) for setting in settings.SETTINGS if setting.type is str and setting.editable
            and setting_missing(setting.key)]


EMBLEM_KEY = "letterhead_emblem"  # the stored upload's path, relative to UPLOAD_DIR
EMBLEM_MAX_BYTES = 1024 * 1024


def emblem_path() -> str | None:
    return settings.stored_setting(EMBLEM_KEY)


def store_emblem(file_storage, *, actor) -> str:
    """Store an uploaded PNG or JPEG (checked by its content, at most 1 MB) as the letterhead
    emblem; the previous file goes once the change commits."""
    from sponsorship.core import files, uploads

    stored = uploads.store_upload(file_storage, kinds=uploads.IMAGE_KINDS, max_bytes=EMBLEM_MAX_BYTES,
                                  folder="letterhead")
    old = emblem_path()
    settings.set_setting(EMBLEM_KEY, stored.path, actor=actor)
    if old:
        with contextlib.suppress(FileNotFoundError):  # already gone: nothing to remove
            files.remove_after_commit(uploads.resolve_upload(old))
    return stored.path


def emblem_data_uri() -> str | None:
    """The uploaded emblem as a data: URI for the document renderer (None: the sample emblem)."""
    import base64

    from sponsorship.core import uploads

    path = emblem_path()
    if not path:
        return None
    try:
        data = uploads.resolve_upload(path).read_bytes()
    except FileNotFoundError:  # the sample emblem rather than a broken document
        return None
    kind = uploads.detect_kind(data[:16])
    if kind not in uploads.IMAGE_KINDS:
        return None
    return f"data:{uploads.SIGNATURES[kind][1]};base64,{base64.b64encode(data).decode()}"
