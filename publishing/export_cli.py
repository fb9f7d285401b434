"""`station publish export DIR`: the public site as static files (docs/publishing.md)."""

from __future__ import annotations

from pathlib import Path

import click

from publishing.site import export_site
from station.cli import State, echo_json, friendly, pass_state


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--full", is_flag=True, help="Render every report again, not only the changed.")
@click.option("--site-url", default=None,
              help="The address the site is served at (default: publish_site_url).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@friendly
def export_command(state: State, directory: Path, full: bool, site_url: str | None,
                   as_json: bool) -> None:
    """Export the public site (pages, feeds, podcasts, media) into DIRECTORY."""
    summary = export_site(state.runtime, directory,
                          site_url=site_url or state.settings.publish_site_url, full=full)
    if as_json:
        echo_json(summary.as_dict())
        return
    click.echo(f"{summary.reports} reports on the site, {len(summary.rendered)} rendered, "
               f"{len(summary.removed)} removed, {summary.feeds} channel feeds, "
               f"{summary.podcasts} podcasts ({summary.seconds:.1f} s): {directory}")
    click.echo(f"serve it with: python3 -m http.server 8000 -d {directory}")
