"""View counts end to end: `station publish ...` and `import-logs` as an operator runs them on
the site's rotated nginx logs, then the period review's Publishing section."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from publishing import views
from publishing.models import PageView, ViewLogImport
from results import review
from results.types import Filters, Period
from station.runtime import Runtime
from tests import media
from tests.integration.test_publishing_desk import PubDesk, make_pub_desk

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")
SITE = "https://laichau.gov.vn/doi-ngoai/"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"


def hit(path: str, when: str, status: int = 200, agent: str = UA, rng: str = "-") -> str:
    return (f'203.0.113.9 - - [{when}] "GET /doi-ngoai{path} HTTP/1.1" {status} 900 '
            f'"-" "{agent}" "{rng}"')


@pytest.fixture
def pub(any_runtime: Runtime, media_cache: Path) -> PubDesk:
    return make_pub_desk(any_runtime, media_cache)


def cli_for(runtime: Runtime, user: str) -> tuple[CliRunner, dict[str, str]]:
    env = {"STATION_INSTANCE_PATH": str(runtime.settings.instance_path),
           "STATION_DATABASE_URL": runtime.settings.database_url, "STATION_REDIS_URL": "",
           "STATION_LANGUAGE": "en", "STATION_USER": user,
           "STATION_PUBLISH_SITE_URL": SITE}
    return CliRunner(), env


def test_publish_import_logs_and_the_review(pub: PubDesk, tmp_path: Path) -> None:
    from station.cli import main

    runner, env = cli_for(pub.runtime, "lan")

    def cli(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result

    rid = str(pub.report_id)
    refused = cli("publish", "report", str(pub.draft_id), ok=False)
    assert "only approved work is published" in refused.output
    made = json.loads(cli("publish", "report", rid, "--summary", "Nước về ruộng",
                          "--programme", "Đất và người", "--json").output)
    slug = made["slug"]
    assert made["url"] == f"{SITE}r/{slug}/"
    listed = json.loads(cli("publish", "list", "--json").output)
    assert [(r["report"], r["status"], r["published_by"]) for r in listed] == [
        (pub.report_id, "published", "Lò Thị Lan")]

    # Rotated by logrotate: yesterday's file plain (delaycompress), the day before gzipped.
    older = tmp_path / "site.access.log.2.gz"
    older.write_bytes(gzip.compress("\n".join([
        hit(f"/r/{slug}/", "03/Mar/2026:16:30:00 +0000"),  # 23:30 on the 3rd, local
        hit(f"/r/{slug}/", "03/Mar/2026:17:30:00 +0000"),  # 00:30 on the 4th, local
        hit(f"/r/{slug}/audio.m4a", "03/Mar/2026:17:31:00 +0000", 206, rng="bytes=0-"),
        hit(f"/r/{slug}/audio.m4a", "03/Mar/2026:17:32:00 +0000", 206, rng="bytes=90000-"),
        hit(f"/r/{slug}/", "03/Mar/2026:17:40:00 +0000", agent="Googlebot/2.1"),
        hit("/r/bai-cu-da-xoa-3/", "03/Mar/2026:18:00:00 +0000"),
    ]).encode() + b"\n"))
    newer = tmp_path / "site.access.log.1"
    newer.write_text("\n".join([
        hit(f"/r/{slug}/index.html", "04/Mar/2026:02:00:00 +0000", 304),
        "garbage that is not a log line",
        hit(f"/r/{slug}/audio.m4a?download=1", "04/Mar/2026:02:01:00 +0000"),
    ]) + "\n", encoding="utf-8")

    out = json.loads(cli("publish", "import-logs", str(older), str(newer), "--json").output)
    assert [(r["file"], r["counted"], r["unknown"], r["malformed"]) for r in out] == [
        (older.name, 3, 1, 0), (newer.name, 2, 0, 1)]
    assert out[1]["malformed_lines"] == [2]

    again = cli("publish", "import-logs", str(newer), ok=False)
    assert f"{newer.name} was already imported on" in again.output
    copy = tmp_path / "copy-of-the-same.log"
    copy.write_bytes(newer.read_bytes())
    assert "already imported" in cli("publish", "import-logs", str(copy), ok=False).output

    with pub.runtime.session() as session:
        counts = {(r.day.isoformat(), r.kind): r.count for r in session.scalars(select(PageView))}
        assert counts == {("2026-03-03", "page"): 1, ("2026-03-04", "page"): 2,
                          ("2026-03-04", "play"): 1, ("2026-03-04", "download"): 1}
        imports = session.scalars(select(ViewLogImport).order_by(ViewLogImport.id)).all()
        assert [(i.name, i.lines, i.counted) for i in imports] == [
            (older.name, 6, 3), (newer.name, 3, 2)]

        assert views.views_between(session, dt.date(2026, 3, 3), dt.date(2026, 3, 4)) == [
            views.ReportViews(pub.report_id, "Ruộng bậc thang Sì Lở Lầu mùa nước đổ", slug,
                              page=3, play=1, download=1)]
        assert views.views_between(session, dt.date(2026, 3, 4), dt.date(2026, 3, 4))[0].page == 2
        assert views.views_between(session, dt.date(2026, 3, 5), dt.date(2026, 3, 31)) == []

        results = review.compute(session, Period.month(2026, 3), sections=["publishing"])
        by_month = results.tables["publishing_by_month"]
        top = results.tables["publishing_top_reports"]
        assert by_month.total == {"published": 0, "withdrawn": 0, "page": 3, "play": 1,
                                  "download": 1}  # published today, not in March 2026
        assert [(r["title"], r["page"], r["play"]) for r in top.rows] == [
            ("Ruộng bậc thang Sì Lở Lầu mùa nước đổ", 3, 1)]
        one_day = review.compute(session, Period(dt.date(2026, 3, 3), dt.date(2026, 3, 3)),
                                 sections=["publishing"])
        assert one_day.tables["publishing_by_month"].total["page"] == 1  # type: ignore[index]
        tv_only = review.compute(session, Period.month(2026, 3), Filters(channels=("LCTV",)),
                                 sections=["publishing"])
        assert tv_only.tables["publishing_top_reports"].rows == []

    history = cli("publish", "unpublish", rid, "--note", "Ảnh sai địa danh")
    assert "withdrawn" in history.output
    lines = cli("publish", "history", rid).output.splitlines()
    assert [line.split()[2] for line in lines] == ["publish", "unpublish"]
    assert "Lò Thị Lan" in lines[0] and lines[1].endswith("(Ảnh sai địa danh)")

    text = cli("results", "--from", "2026-03-01", "--to", "2026-03-31").output
    assert "Most viewed reports on the public site" in text
    assert "Ruộng bậc thang Sì Lở Lầu mùa nước đổ" in text


def test_the_review_counts_publications_in_their_local_month(pub: PubDesk) -> None:
    from publishing import services

    with pub.runtime.session() as session:
        services.publish(session, pub.report_id, services.PublishInput(), actor=pub.editor)
        session.commit()
        services.unpublish(session, pub.report_id, actor=pub.editor)
        session.commit()
        services.publish(session, pub.report_id, services.PublishInput(), actor=pub.chief)
        session.commit()
        today = dt.datetime.now(dt.UTC).astimezone(Period.month(2026, 1).zone).date()
        results = review.compute(session, Period.month(today.year, today.month),
                                 sections=["publishing"])
        row = results.tables["publishing_by_month"].rows[0]
        assert (row["published"], row["withdrawn"]) == (2, 1)


def test_a_truncated_gzip_is_refused_and_may_be_given_again(pub: PubDesk,
                                                           tmp_path: Path) -> None:
    from station.cli import main

    runner, env = cli_for(pub.runtime, "lan")
    whole = gzip.compress("\n".join(hit("/r/x-1/", "04/Mar/2026:02:00:00 +0000")
                                     for _ in range(2000)).encode())
    broken = tmp_path / "site.access.log.3.gz"
    broken.write_bytes(whole[:len(whole) // 2])
    result = runner.invoke(main, ["publish", "import-logs", str(broken)], env=env)
    assert result.exit_code == 1
    assert f"{broken.name} cannot be read to its end" in result.output
    assert "Traceback" not in result.output
    with pub.runtime.session() as session:
        assert session.scalars(select(ViewLogImport)).all() == []
    broken.write_bytes(whole)  # the whole file, given again, is counted
    again = runner.invoke(main, ["publish", "import-logs", str(broken)], env=env)
    assert again.exit_code == 0, again.output
    assert "2000 lines" in again.output
