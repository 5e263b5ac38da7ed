"""Moving every stored NIK and KK onto the current key: decrypt with the key a row names,
encrypt and index again with the current one. Batches commit one by one, each with its audit
event, so an interrupted run loses nothing and the next run continues with the rows still on
an older key."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from sqlalchemy import bindparam, func, select

from sponsorship.audit import service as audit
from sponsorship.core.db import write_intent
from sponsorship.extensions import db
from sponsorship.identity.secrecy import NikKeyError, cipher


@dataclass(frozen=True)
class Target:
    """A table holding secret numbers: (ciphertext column, blind-index column, kind) pairs, and
    the column naming the key of all of them."""

    table: object
    fields: tuple[tuple[str, str, str], ...]
    key_column: str = "nik_key_id"


def targets() -> list[Target]:
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.linkage.models import LinkCandidate
    from sponsorship.proposals.models import AidProposal

    return [
        Target(Beneficiary.__table__, (("nik_encrypted", "nik_index", "nik"),)),
        # A proposal's patient NIK lives in the registry; the proposal keeps the family card.
        Target(AidProposal.__table__, (("patient_kk_enc", "patient_kk_hash", "kk"),)),
        # A record an import held for review, its NIK not yet any resident's.
        Target(LinkCandidate.__table__, (("nik_encrypted", "nik_index", "nik"),)),
    ]


def _rotate_batch(target: Target, after_id: int, batch_size: int) -> tuple[int, int]:
    """Re-encrypt up to batch_size rows with id > after_id on a previous key; commit with its
    audit event. Returns (rows changed, last id seen), (0, after_id) when none is left."""
    c = cipher()
    t = target.table
    key = t.c[target.key_column]
    cols = [t.c[name] for pair in target.fields for name in pair[:2]]
    with write_intent():
        rows = db.session.execute(
            select(t.c.id, key, *cols).where(key.in_(c.previous_ids), t.c.id > after_id)
            .order_by(t.c.id).limit(batch_size)).mappings().all()
        if not rows:
            db.session.rollback()
            return 0, after_id
        values = []
        for row in rows:
            new = {"row_id": row["id"], "old_key": row[target.key_column]}
            for enc, index, kind in target.fields:
                try:
                    plain = c.decrypt(row[enc], row[target.key_column], kind=kind)
                except InvalidTag:
                    db.session.rollback()
                    raise NikKeyError(f"{t.name} #{row['id']}: key {row[target.key_column]!r} does not "
                                      "decrypt it; check that key's secret in NIK_PREVIOUS_KEYS") from None
                new[f"v_{enc}"] = c.encrypt(plain, kind=kind) if plain is not None else None
                new[f"v_{index}"] = c.blind_index(plain, kind=kind) if plain is not None else None
            values.append(new)
        names = [name for pair in target.fields for name in pair[:2]]
        stmt = (t.update().where(t.c.id == bindparam("row_id"), key == bindparam("old_key"))
                .values({target.key_column: c.key_id, **{n: bindparam(f"v_{n}") for n in names}}))
        if "updated_at" in t.c:  # re-encrypting changes no data of the person
            stmt = stmt.values(updated_at=t.c.updated_at)
        db.session.execute(stmt, values)
        old_ids = sorted({r[target.key_column] for r in rows})
        audit.record(actor=None, action="nik:rotate-keys", object_type=t.name,
                     changes={"nik_key_id": [", ".join(old_ids), c.key_id], "rows": [None, len(rows)]},
                     note=f"ids {rows[0]['id']}-{rows[-1]['id']}")
        db.session.commit()
    return len(rows), rows[-1]["id"]


def rotate_keys(*, batch_size: int = 500) -> dict:
    """Move every row off the previous keys; returns counts (no number in them)."""
    c = cipher()
    counts: dict = {"key_id": c.key_id, "batches": 0}
    for target in targets():
        name = target.table.name
        counts[name] = 0
        after = 0
        while True:
            changed, after = _rotate_batch(target, after, batch_size)
            if not changed:
                break
            counts[name] += changed
            counts["batches"] += 1
        key = target.table.c[target.key_column]
        counts[f"{name}_unknown_key"] = db.session.scalar(
            select(func.count()).select_from(target.table).where(key.not_in(list(c.keys)))) or 0
        db.session.rollback()
    return counts
