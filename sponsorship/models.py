"""Imports every model module so the metadata (and Alembic) sees all tables."""
from sponsorship.agreements.models import Agreement, AgreementTemplate  # noqa: F401
from sponsorship.allocations.models import Allocation  # noqa: F401
from sponsorship.audit.models import AuditEvent  # noqa: F401
from sponsorship.auth.models import User  # noqa: F401
from sponsorship.beneficiaries.models import (  # noqa: F401
    Beneficiary,
    Discrepancy,
    ImportBatch,
    SourceRecord,
)
from sponsorship.billing.models import Invoice, Payment  # noqa: F401
from sponsorship.disbursements.models import Disbursement  # noqa: F401
from sponsorship.documents.models import Document, DocumentCounter  # noqa: F401
from sponsorship.eligibility.models import EligibilityPolicy  # noqa: F401
from sponsorship.jobs.models import Job  # noqa: F401
from sponsorship.linkage.models import LinkCandidate, ResidentMerge  # noqa: F401
from sponsorship.minutes.models import Approval, Minutes, MinutesAttendee, MinutesItem  # noqa: F401
from sponsorship.notifications.models import NotificationSeen  # noqa: F401
from sponsorship.pledges.models import Pledge  # noqa: F401
from sponsorship.proposals.models import (  # noqa: F401
    AidCounter,
    AidProposal,
    Attachment,
    CostLine,
    FieldVerification,
    ProposalStep,
)
from sponsorship.regions.models import Region  # noqa: F401
from sponsorship.settings.models import JknTariff, Setting  # noqa: F401
from sponsorship.sponsors.models import Sponsor  # noqa: F401
from sponsorship.uhc.models import CoverageFigure  # noqa: F401
