"""identity: one NIK scheme for the registry and the aid proposals, with key ids

Both tables get `nik_key_id`, and every stored NIK and KK is re-encrypted (AES-GCM) and
re-indexed (HMAC-SHA256) with keys HKDF derives from the configured current key, so the same
NIK has the same blind index in both tables. Before, the registry used AES-GCM with
sha256(NIK_ENCRYPTION_KEY) and an HMAC keyed by sha256(NIK_HMAC_KEY); the proposals used Fernet
with sha256("nik-encryption:" + NIK_ENCRYPTION_KEY) and an HMAC keyed by NIK_HMAC_KEY itself.

The keys are read from the app's configuration, as the app reads them (NIK_KEY_ID,
NIK_ENCRYPTION_KEY, NIK_PREVIOUS_KEYS); the old rows are decrypted with whichever configured
secret opens them (normally NIK_ENCRYPTION_KEY, unchanged). Both schemes are frozen here: this
file must keep doing what it did when the application's own code changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00.000000

"""
import base64
import hashlib
import hmac
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 1000


# --- the keys, read as the app reads them ---------------------------------------------------

def _configured_keys():
    """[(id, secret)], the current key first."""
    config = current_app.config
    keys = [(config.get('NIK_KEY_ID') or 'k1', config['NIK_ENCRYPTION_KEY'])]
    for item in (config.get('NIK_PREVIOUS_KEYS') or '').split(','):
        key_id, sep, secret = item.strip().partition(':')
        if sep:
            keys.append((key_id.strip(), secret.strip()))
    return keys


# --- the scheme this revision introduces (frozen) ---------------------------------------------

class _NewKey:
    def __init__(self, key_id, secret):
        def hkdf(info):
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=b'sponsorship.identity',
                        info=info).derive(secret.encode())

        self.id = key_id
        self.aead = AESGCM(hkdf(b'nik encryption key v1'))
        self.index_key = hkdf(b'nik blind index key v1')

    def encrypt(self, value, kind):
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self.aead.encrypt(nonce, value.encode(), kind.encode())).decode()

    def decrypt(self, token, kind):
        raw = base64.urlsafe_b64decode(token.encode())
        return self.aead.decrypt(raw[:12], raw[12:], kind.encode()).decode()

    def index(self, value, kind):
        message = value if kind == 'nik' else f'{kind}:{value}'
        return hmac.digest(self.index_key, message.encode(), 'sha256').hex()


# --- the schemes this revision replaces (frozen) ---------------------------------------------

class _OldRegistry:
    """AES-GCM, key sha256(secret), token urlsafe_b64(nonce + sealed), associated data b"nik"."""

    def __init__(self, secret, index_secret=None):
        self.aead = AESGCM(hashlib.sha256(secret.encode()).digest())
        self.index_key = hashlib.sha256(index_secret.encode()).digest() if index_secret else None

    def decrypt(self, token):
        raw = base64.urlsafe_b64decode(token.encode())
        return self.aead.decrypt(raw[:12], raw[12:], b'nik').decode()

    def encrypt(self, value):
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self.aead.encrypt(nonce, value.encode(), b'nik')).decode()

    def index(self, value):
        return hmac.digest(self.index_key, value.encode(), 'sha256').hex()


class _OldProposals:
    """Fernet, key sha256("nik-encryption:" + secret); the KK's index was HMAC("kk:" + kk)."""

    def __init__(self, secret, index_secret=None):
        key = hashlib.sha256(b'nik-encryption:' + secret.encode()).digest()
        self.fernet = Fernet(base64.urlsafe_b64encode(key))
        self.index_key = index_secret.encode() if index_secret else None

    def decrypt(self, token):
        return self.fernet.decrypt(token.encode()).decode()

    def encrypt(self, value):
        return self.fernet.encrypt(value.encode()).decode()

    def index(self, value):
        return hmac.new(self.index_key, value.encode(), hashlib.sha256).hexdigest()


def _open(candidates, token, what):
    """Decrypt with the first old cipher that opens the token; candidates move to the front."""
    for i, old in enumerate(candidates):
        try:
            value = old.decrypt(token)
        except (InvalidTag, InvalidToken, ValueError):
            continue
        if i:
            candidates.insert(0, candidates.pop(i))
        return value
    raise RuntimeError(f'0008: {what} does not decrypt with any configured NIK key; set '
                       'NIK_ENCRYPTION_KEY (or NIK_PREVIOUS_KEYS) to the key it was written with')


# --- schema ----------------------------------------------------------------------------------

def _add_columns():
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nik_key_id', sa.String(length=16), nullable=True))
    with op.batch_alter_table('aid_proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nik_key_id', sa.String(length=16), nullable=True))


def _finish_columns():
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.alter_column('nik_key_id', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_index(batch_op.f('ix_beneficiary_nik_key_id'), ['nik_key_id'], unique=False)
    with op.batch_alter_table('aid_proposal', schema=None) as batch_op:
        batch_op.alter_column('nik_key_id', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_index(batch_op.f('ix_aid_proposal_nik_key_id'), ['nik_key_id'], unique=False)


def _batches(conn, sql):
    """Rows of `sql` (which selects id first and takes :after and :n) in id order, BATCH at a time."""
    after = 0
    while True:
        rows = conn.execute(sa.text(sql), {'after': after, 'n': BATCH}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def upgrade():
    _add_columns()
    conn = op.get_bind()
    keys = _configured_keys()
    new = _NewKey(*keys[0])
    secrets = [secret for _, secret in keys]
    registry = [_OldRegistry(s) for s in secrets]
    proposals = [_OldProposals(s) for s in secrets]

    # The registry: nik_index is unique; the new indexes cannot meet the old ones (other key).
    update = sa.text('UPDATE beneficiary SET nik_encrypted = :enc, nik_index = :idx, nik_key_id = :kid '
                     'WHERE id = :id')
    for rows in _batches(conn, 'SELECT id, nik_encrypted FROM beneficiary WHERE id > :after '
                               'ORDER BY id LIMIT :n'):
        values = []
        for row_id, token in rows:
            nik = _open(registry, token, f'beneficiary #{row_id}')
            values.append({'id': row_id, 'enc': new.encrypt(nik, 'nik'), 'idx': new.index(nik, 'nik'),
                           'kid': new.id})
        conn.execute(update, values)

    update = sa.text('UPDATE aid_proposal SET patient_nik_enc = :nik_enc, patient_nik_hash = :nik_idx, '
                     'patient_kk_enc = :kk_enc, patient_kk_hash = :kk_idx, nik_key_id = :kid WHERE id = :id')
    for rows in _batches(conn, 'SELECT id, patient_nik_enc, patient_kk_enc FROM aid_proposal '
                               'WHERE id > :after ORDER BY id LIMIT :n'):
        values = []
        for row_id, nik_token, kk_token in rows:
            nik = _open(proposals, nik_token, f'aid_proposal #{row_id} (NIK)')
            kk = _open(proposals, kk_token, f'aid_proposal #{row_id} (KK)') if kk_token else None
            values.append({'id': row_id, 'nik_enc': new.encrypt(nik, 'nik'), 'nik_idx': new.index(nik, 'nik'),
                           'kk_enc': new.encrypt(kk, 'kk') if kk else None,
                           'kk_idx': new.index(kk, 'kk') if kk else None, 'kid': new.id})
        conn.execute(update, values)

    _finish_columns()


def _old_index_secret():
    """The old blind-index secret, where the old configuration read it from."""
    value = os.environ.get('NIK_HMAC_KEY') or current_app.config.get('NIK_HMAC_KEY')
    if value:
        return value
    path = Path(current_app.instance_path) / 'nik_hmac_key'
    if not path.exists():
        raise RuntimeError('cannot undo 0008: the old schemes need NIK_HMAC_KEY (or instance/nik_hmac_key) '
                           'for their blind indexes')
    return path.read_text().strip()


def downgrade():
    """Back to the two old schemes, under NIK_ENCRYPTION_KEY (what the old code reads) and the
    old NIK_HMAC_KEY. Rows on any configured key id are read; an unknown id stops the downgrade."""
    conn = op.get_bind()
    keys = _configured_keys()
    by_id = {key_id: _NewKey(key_id, secret) for key_id, secret in keys}
    unknown = conn.execute(sa.text(
        'SELECT (SELECT count(*) FROM beneficiary WHERE nik_key_id NOT IN :ids) + '
        '(SELECT count(*) FROM aid_proposal WHERE nik_key_id NOT IN :ids)').bindparams(
            sa.bindparam('ids', list(by_id), expanding=True))).scalar()
    if unknown:
        raise RuntimeError(f'cannot undo 0008: {unknown} row(s) name a NIK key id that is not configured')
    old_secret = current_app.config['NIK_ENCRYPTION_KEY']
    index_secret = _old_index_secret() if (
        conn.execute(sa.text('SELECT count(*) FROM beneficiary')).scalar()
        or conn.execute(sa.text('SELECT count(*) FROM aid_proposal')).scalar()) else None
    registry = _OldRegistry(old_secret, index_secret)
    proposals = _OldProposals(old_secret, index_secret)

    update = sa.text('UPDATE beneficiary SET nik_encrypted = :enc, nik_index = :idx WHERE id = :id')
    for rows in _batches(conn, 'SELECT id, nik_encrypted, nik_key_id FROM beneficiary WHERE id > :after '
                               'ORDER BY id LIMIT :n'):
        values = []
        for row_id, token, key_id in rows:
            nik = by_id[key_id].decrypt(token, 'nik')
            values.append({'id': row_id, 'enc': registry.encrypt(nik), 'idx': registry.index(nik)})
        conn.execute(update, values)

    update = sa.text('UPDATE aid_proposal SET patient_nik_enc = :nik_enc, patient_nik_hash = :nik_idx, '
                     'patient_kk_enc = :kk_enc, patient_kk_hash = :kk_idx WHERE id = :id')
    for rows in _batches(conn, 'SELECT id, patient_nik_enc, patient_kk_enc, nik_key_id FROM aid_proposal '
                               'WHERE id > :after ORDER BY id LIMIT :n'):
        values = []
        for row_id, nik_token, kk_token, key_id in rows:
            nik = by_id[key_id].decrypt(nik_token, 'nik')
            kk = by_id[key_id].decrypt(kk_token, 'kk') if kk_token else None
            values.append({'id': row_id, 'nik_enc': proposals.encrypt(nik), 'nik_idx': proposals.index(nik),
                           'kk_enc': proposals.encrypt(kk) if kk else None,
                           'kk_idx': proposals.index('kk:' + kk) if kk else None})
        conn.execute(update, values)

    with op.batch_alter_table('aid_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aid_proposal_nik_key_id'))
        batch_op.drop_column('nik_key_id')
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiary_nik_key_id'))
        batch_op.drop_column('nik_key_id')
