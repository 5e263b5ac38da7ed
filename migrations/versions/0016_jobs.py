"""jobs: long work run by the queue's worker (kind, status, progress, result, actor)

Revision ID: 0016
Create Date: 2026-12-04 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_job_status_known')),
        sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_job_percent_range')),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_job_actor_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))
        batch_op.drop_index(batch_op.f('ix_job_kind'))
        batch_op.drop_index(batch_op.f('ix_job_actor_id'))
    op.drop_table('job')
