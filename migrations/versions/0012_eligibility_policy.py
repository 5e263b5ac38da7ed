"""eligibility: the policy as data, allocations name their policy, vulnerability fields, UHC Prioritas

The policy's conditions and weighted factors are versioned rows; allocations keep the policy they
were made under (and a one-per-family key); the registry gains the vulnerabilities the priority
ranks by, pledges may say they pay arrears, the UHC figures gain the Prioritas columns, and the old
"allocation_priority" setting gives way to the policy's weights.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-04 19:27:03.199249

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('eligibility_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('exclude_pbi', sa.Boolean(), nullable=False),
    sa.Column('exclude_ppu', sa.Boolean(), nullable=False),
    sa.Column('unknown_jkn', sa.String(length=12), nullable=False),
    sa.Column('decile_cutoff', sa.Integer(), nullable=False),
    sa.Column('no_decile', sa.String(length=10), nullable=False),
    sa.Column('one_per', sa.String(length=10), nullable=False),
    sa.Column('elderly_age', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("no_decile IN ('assess', 'eligible')", name=op.f('ck_eligibility_policy_no_decile_known')),
    sa.CheckConstraint("one_per IN ('none', 'kk', 'household')", name=op.f('ck_eligibility_policy_one_per_known')),
    sa.CheckConstraint("status = 'draft' OR (activated_at IS NOT NULL)", name=op.f('ck_eligibility_policy_activated_complete')),
    sa.CheckConstraint("status IN ('draft', 'active', 'retired')", name=op.f('ck_eligibility_policy_status_known')),
    sa.CheckConstraint("unknown_jkn IN ('check', 'ineligible', 'eligible')", name=op.f('ck_eligibility_policy_unknown_jkn_known')),
    sa.CheckConstraint('decile_cutoff BETWEEN 1 AND 10', name=op.f('ck_eligibility_policy_cutoff_range')),
    sa.CheckConstraint('elderly_age BETWEEN 40 AND 100', name=op.f('ck_eligibility_policy_elderly_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_eligibility_policy_version_positive')),
    sa.ForeignKeyConstraint(['activated_by_id'], ['user.id'], name=op.f('fk_eligibility_policy_activated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_eligibility_policy_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_policy')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_eligibility_policy_name_version'))
    )
    with op.batch_alter_table('eligibility_policy', schema=None) as batch_op:
        batch_op.create_index('uq_eligibility_policy_active', ['status'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('family_key', sa.String(length=48), nullable=True))
        batch_op.create_index(batch_op.f('ix_allocation_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index('uq_allocation_holding_family', ['family_key'], unique=True, sqlite_where=sa.text("status IN ('reserved', 'active') AND family_key IS NOT NULL"), postgresql_where=sa.text("status IN ('reserved', 'active') AND family_key IS NOT NULL"))
        batch_op.create_foreign_key(batch_op.f('fk_allocation_policy_id_eligibility_policy'), 'eligibility_policy', ['policy_id'], ['id'])

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disability', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('chronic_illness', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('pregnant', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('pregnancy_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pkh_recipient', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('bpnt_recipient', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('household_head', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('female_headed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('children_under_five', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('months_uncovered', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('household_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_beneficiary_household_code'), ['household_code'], unique=False)
        batch_op.create_index('ix_beneficiary_eligibility', ['region_code', 'moved_away', 'deceased', 'jkn_segment', 'jkn_status', 'welfare_decile', 'kk_number', 'household_code', 'merged_into_id'], unique=False)
        batch_op.create_check_constraint(op.f('ck_beneficiary_under_five_range'), 'children_under_five BETWEEN 0 AND 20')
        batch_op.create_check_constraint(op.f('ck_beneficiary_uncovered_range'), 'months_uncovered BETWEEN 0 AND 600')

    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('covers_arrears', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('uhc_coverage_figure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_funded', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('city_premium_arrears', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('bpjs_approval', sa.String(length=15), server_default='not_submitted', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_uhc_coverage_figure_city_funded_in_range'), 'city_funded IS NULL OR (city_funded >= 0 AND city_funded <= registered)')
        batch_op.create_check_constraint(
            op.f('ck_uhc_coverage_figure_approval_known'), "bpjs_approval IN ('not_submitted', 'submitted', 'approved', 'rejected')")

    # The fill order is now the policy's weighted score; the ordered-keys setting has no reader left.
    op.execute("DELETE FROM setting WHERE key = 'allocation_priority'")


def downgrade():
    with op.batch_alter_table('uhc_coverage_figure', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_uhc_coverage_figure_approval_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_uhc_coverage_figure_city_funded_in_range'), type_='check')
        batch_op.drop_column('bpjs_approval')
        batch_op.drop_column('city_premium_arrears')
        batch_op.drop_column('city_funded')

    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_column('covers_arrears')

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_beneficiary_uncovered_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_beneficiary_under_five_range'), type_='check')
        batch_op.drop_index('ix_beneficiary_eligibility')
        batch_op.drop_index(batch_op.f('ix_beneficiary_household_code'))
        batch_op.drop_column('household_code')
        batch_op.drop_column('months_uncovered')
        batch_op.drop_column('children_under_five')
        batch_op.drop_column('female_headed')
        batch_op.drop_column('household_head')
        batch_op.drop_column('bpnt_recipient')
        batch_op.drop_column('pkh_recipient')
        batch_op.drop_column('pregnancy_due')
        batch_op.drop_column('pregnant')
        batch_op.drop_column('chronic_illness')
        batch_op.drop_column('disability')

    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_allocation_policy_id_eligibility_policy'), type_='foreignkey')
        batch_op.drop_index('uq_allocation_holding_family', sqlite_where=sa.text("status IN ('reserved', 'active') AND family_key IS NOT NULL"), postgresql_where=sa.text("status IN ('reserved', 'active') AND family_key IS NOT NULL"))
        batch_op.drop_index(batch_op.f('ix_allocation_policy_id'))
        batch_op.drop_column('family_key')
        batch_op.drop_column('policy_id')

    with op.batch_alter_table('eligibility_policy', schema=None) as batch_op:
        batch_op.drop_index('uq_eligibility_policy_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.drop_table('eligibility_policy')
