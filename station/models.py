"""Every domain's models on one metadata, for Alembic autogenerate and test schema checks.

The domains' model modules come from the ``station.models`` entry points (station/plugins.py),
so the kernel names none of them.
"""

from __future__ import annotations

import station.accounts
import station.audit
import station.jobs
import station.notifications  # noqa: F401  (the kernel's own tables)
from station import plugins
from station.db import Base

plugins.load("station.models")
metadata = Base.metadata
