"""The public site: pages, feeds, podcasts, sitemap and oEmbed, exported as static files.

Split by concern: :mod:`.pages` (what the site knows of a report), :mod:`.render` (Jinja2
templates and assets), :mod:`.feeds` (RSS, JSON Feed, podcasts), :mod:`.sitemap` (sitemap,
robots.txt, oEmbed), :mod:`.files` (atomic writes, links, the lock) and :mod:`.exporting`
(full and incremental export). docs/publishing.md describes the site.
"""

from publishing.site.exporting import ExportSummary, check_site_url, export_site

__all__ = ["ExportSummary", "check_site_url", "export_site"]
