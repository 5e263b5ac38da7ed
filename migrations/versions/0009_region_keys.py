"""regions: every kelurahan code in the database points at the region table

Revision ID: 0009
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# (table, column) pairs this revision gives a foreign key to region.code.
KEYED = (('aid_proposal', 'kelurahan_code'),)


def _refuse_unknown_codes():
    """Stop, naming the table and the codes, rather than drop or null what a row says."""
    conn = op.get_bind()
    problems = []
    for table, column in KEYED:
        codes = conn.execute(sa.text(
            f'SELECT DISTINCT t.{column} FROM {table} t '  # noqa: S608 - names from KEYED above
            f'WHERE t.{column} IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM region r WHERE r.code = t.{column}) ORDER BY t.{column}')).scalars().all()
        if codes:
            problems.append(f"{table}.{column}: {', '.join(codes)}")
    if problems:
        raise RuntimeError("cannot add the kelurahan foreign keys: rows name codes that are not in the "
                           "region table (add those regions or correct the rows first): "
                           + "; ".join(problems))


def upgrade():
    _refuse_unknown_codes()
    with op.batch_alter_table('aid_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aid_proposal_kelurahan_code'), ['kelurahan_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_aid_proposal_kelurahan_code_region'), 'region',
                                    ['kelurahan_code'], ['code'])


def downgrade():
    with op.batch_alter_table('aid_proposal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_aid_proposal_kelurahan_code_region'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_aid_proposal_kelurahan_code'))
