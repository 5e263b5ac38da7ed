"""documents: the electronic signature of an issued document (signer, time, certificate)

Revision ID: 0014
Create Date: 2026-12-04 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signer_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('signer_certificate_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('signer_certificate_sha256')
        batch_op.drop_column('signed_at')
        batch_op.drop_column('signer_name')
