"""Results: the plan's periodic review (sơ kết / tổng kết) computed from Station's own data.

``results.services`` holds the use cases the web page, the CLI and the tests call (the
review of a period, a chart, the drill-down, an export). Below it: ``results.types`` (the
period, the filters and the table model), ``results.sql`` (dialect helpers, the scope),
``results.sections`` (one module per section of the review, grouped in SQL),
``results.review`` (``compute``; what counts is in its notes), ``results.drilldown`` (the
reports behind a figure) and ``results.labels`` (the words, from the gettext catalogue).
``results.charts`` draws the tables, ``results.exports`` writes DOCX/XLSX/PDF/JSON and
``results.cli`` adds `station results`. The web page lives in ``web/results``.
"""
