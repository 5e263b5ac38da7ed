"""The navigation bar: each role sees only what the policy lets it use."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from sponsorship import policy

# (label, endpoint, action the policy must allow)
NAV = [
    (_l("Beranda"), "dashboard.home", None),
    (_l("Portal perusahaan"), "portal.home", "portal.view"),
    (_l("Warga ditanggung"), "coverage.index", "coverage.view"),
    (_l("Perusahaan"), "sponsors.index", "sponsor.list"),
    (_l("Komitmen"), "pledges.index", "pledge.list"),
    (_l("Usulan bantuan"), "proposals.index", "proposal.list"),
    (_l("Berita acara"), "minutes.index", "minutes.list"),
    (_l("Dana bantuan"), "fund_portal.index", "fund.portal"),
    (_l("Tagihan iuran"), "billing.index", "billing.list"),
    (_l("Registri warga"), "beneficiaries.index", "beneficiary.list"),
    (_l("Dasbor UHC"), "uhc.dashboard", "uhc.view"),
    (_l("Dokumen resmi"), "documents.index", "document.list"),
    (_l("Jejak audit"), "audit.index", "audit.view"),
    (_l("Pengguna"), "admin_users.index", "admin.users"),
    (_l("Pengaturan"), "settings.index", "admin.settings"),
]


def items_for(user) -> list[tuple[object, str, str]]:
    """(label, url, endpoint) for every item this user may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    out = []
    for label, endpoint, action in NAV:
        if action is None or policy.can(action, user=user):
            out.append((label, url_for(endpoint), endpoint))
    return out
