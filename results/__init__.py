"""Results: the plan's periodic review (sơ kết / tổng kết) computed from Station's own data.

``results.stats`` is the one query layer (period and filters in, tables of figures out);
``results.charts`` draws them, ``results.exports`` writes DOCX/XLSX/PDF/JSON, and
``results.cli`` adds `station results`. The web page lives in ``web/results``.
"""
