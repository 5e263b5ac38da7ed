"""regions: every level of the national data (province, kabupaten/kota, kecamatan), older spellings

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-04 19:40:00.000000

The rows themselves come from `flask --app app load-regions`, never from a migration. A database
that already holds kelurahan keeps them: they are villages (level 4), and their parent and
kabupaten/kota follow from their code. When they all lie in one kabupaten/kota and no area is
set yet, that is the city's area (so its kelurahan pages keep working); `setup-city` with the same
code then adds the national data and fills the settings still unset.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.SmallInteger(), server_default='4', nullable=False))
        batch_op.add_column(sa.Column('parent_code', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('regency_code', sa.String(length=5), nullable=True))
        batch_op.alter_column('kecamatan_code', existing_type=sa.String(length=8), nullable=True)
        batch_op.alter_column('kecamatan_name', existing_type=sa.String(length=120), nullable=True)
        batch_op.create_index('ix_region_regency_level', ['regency_code', 'level'], unique=False)
    # Every row so far is a kelurahan: derive what the new columns say from its code.
    op.execute("UPDATE region SET parent_code = kecamatan_code, regency_code = substr(code, 1, 5) "
               "WHERE parent_code IS NULL")
    _area_from_existing_rows()
    op.create_table('region_alias',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('alias', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['code'], ['region.code'], name=op.f('fk_region_alias_code_region')),
    sa.PrimaryKeyConstraint('code', 'alias', name=op.f('pk_region_alias'))
    )


def _area_from_existing_rows():
    conn = op.get_bind()
    regencies = conn.execute(sa.text("SELECT DISTINCT regency_code FROM region")).scalars().all()
    has_area = conn.execute(sa.text("SELECT 1 FROM setting WHERE key = 'area_code'")).first()
    if len(regencies) == 1 and not has_area:
        now = datetime.now(UTC).replace(tzinfo=None)
        setting = sa.table('setting', sa.column('key', sa.String), sa.column('value', sa.JSON),
                           sa.column('created_at', sa.DateTime), sa.column('updated_at', sa.DateTime))
        op.bulk_insert(setting, [{'key': 'area_code', 'value': regencies[0], 'created_at': now,
                                  'updated_at': now}])


def downgrade():
    op.drop_table('region_alias')
    # The old schema holds kelurahan only: provinces, kabupaten/kota and kecamatan go (nothing
    # references them); every kelurahan stays.
    op.execute("DELETE FROM region WHERE level < 4")
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index('ix_region_regency_level')
        batch_op.alter_column('kecamatan_name', existing_type=sa.String(length=120), nullable=False)
        batch_op.alter_column('kecamatan_code', existing_type=sa.String(length=8), nullable=False)
        batch_op.drop_column('regency_code')
        batch_op.drop_column('parent_code')
        batch_op.drop_column('level')
