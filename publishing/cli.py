"""`station publish ...`: put approved reports on the public site, export it, make social
clips, and read the site's logs back (docs/publishing.md)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    main.add_command(publish)


@click.group()
def publish() -> None:
    """The public site: publish and withdraw reports, export the site, social clips."""
