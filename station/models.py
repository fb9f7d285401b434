"""Every domain's models on one metadata, for Alembic autogenerate and test schema checks."""

from __future__ import annotations

import delivery.models  # noqa: F401  (registers tables)
import production.models  # noqa: F401
import schedule.models  # noqa: F401
import station.accounts
import station.audit
import station.jobs  # noqa: F401
import subtitles.models  # noqa: F401
from station.db import Base

metadata = Base.metadata
