"""The delivery section: packages made ready for partner channels and their downloads.

A package counts when its status is "ready" and ``ready_at`` falls in the period; a
download counts when it starts from the first byte (``range_start == 0``: a resumed
download is the same download), and every byte sent counts towards the data sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session

from delivery.models import Package, PackageDownload
from results.sql import Scope, totals
from results.types import Column, Table
from station.i18n import N_ as _


def package_rows(scope: Scope) -> Select[Any]:
    """(channel_id, package_id, report_id, size_bytes) of the packages ready in the period."""
    stmt = (select(Package.channel_id.label("channel_id"), Package.id.label("package_id"),
                   Package.report_id.label("report_id"),
                   Package.size_bytes.label("size_bytes"))
            .where(Package.status == "ready", scope.in_period(Package.ready_at)))
    if scope.channel_ids is not None:
        stmt = stmt.where(Package.channel_id.in_(scope.channel_ids))
    return stmt.where(*scope.kind_filter(Package.report_id))


def download_rows(scope: Scope, *, with_report: bool = True) -> Select[Any]:
    """(channel_id, package_id, range_start, bytes[, report_id]) of the period's downloads
    (the report id costs a join, which the per-partner figures do without)."""
    columns = [PackageDownload.channel_id.label("channel_id"),
               PackageDownload.package_id.label("package_id"),
               PackageDownload.range_start.label("range_start"),
               PackageDownload.bytes.label("bytes")]
    if with_report:
        stmt = (select(*columns, Package.report_id.label("report_id"))
                .join(Package, Package.id == PackageDownload.package_id))
    else:
        stmt = select(*columns)
    stmt = stmt.where(scope.in_period(PackageDownload.at))
    if scope.channel_ids is not None:
        stmt = stmt.where(PackageDownload.channel_id.in_(scope.channel_ids))
    if scope.filters.kinds:
        stmt = stmt.where(PackageDownload.package_id.in_(
            select(Package.id).where(*scope.kind_filter(Package.report_id))))
    return stmt


def build(session: Session, scope: Scope) -> list[Table]:
    """One table: packages ready and downloads per partner channel."""
    packages = package_rows(scope).subquery()
    ready = {row[0]: row[1:] for row in session.execute(
        select(packages.c.channel_id, func.count(), func.count(distinct(packages.c.report_id)),
               func.coalesce(func.sum(packages.c.size_bytes), 0))
        .group_by(packages.c.channel_id)).all()}
    downloads = download_rows(scope, with_report=False).subquery()
    first = downloads.c.range_start == 0
    taken = {row[0]: row[1:] for row in session.execute(
        select(downloads.c.channel_id,
               func.coalesce(func.sum(case((first, 1), else_=0)), 0),
               func.count(distinct(case((first, downloads.c.package_id)))),
               func.coalesce(func.sum(downloads.c.bytes), 0))
        .group_by(downloads.c.channel_id)).all()}
    partners = [cid for cid, (_c, _n, owner) in scope.channels.items()
                if owner == "partner" and (scope.channel_ids is None
                                           or cid in scope.channel_ids)]
    rows = []
    for cid in sorted(set(partners) | set(ready) | set(taken), key=scope.code):
        n_ready, n_reports, size = ready.get(cid, (0, 0, 0))
        n_downloads, n_packages, sent = taken.get(cid, (0, 0, 0))
        rows.append({"key": scope.code(cid), "channel": scope.code(cid),
                     "packages": n_ready, "reports": n_reports, "size_bytes": int(size),
                     "downloads": n_downloads, "packages_downloaded": n_packages,
                     "bytes_sent": int(sent)})
    delivery_by_partner = Table(
        "delivery_by_partner", "delivery", _("Packages delivered and downloaded per partner"),
        (Column("channel", _("Partner"), "channel"),
         Column("packages", _("Packages ready"), "count", drill="delivered_partner"),
         Column("reports", _("Reports delivered"), "count", drill="delivered_partner"),
         Column("size_bytes", _("Size"), "bytes"),
         Column("downloads", _("Downloads"), "count", drill="downloaded_partner"),
         Column("packages_downloaded", _("Packages downloaded"), "count",
                drill="downloaded_partner"),
         Column("bytes_sent", _("Data sent"), "bytes")),
        rows, totals(rows, ["packages", "size_bytes", "downloads", "bytes_sent"]),
        drill="delivered_partner")
    return [delivery_by_partner]
