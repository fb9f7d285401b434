"""The review's figures as JSON: the same structure ``Results.as_dict()`` gives the CLI."""

from __future__ import annotations

import json
from typing import Any

from results.types import Results


def write(results: Results, lang: str = "vi", **_options: Any) -> bytes:
    """UTF-8 JSON, Vietnamese text kept readable (no \\u escapes)."""
    data = {**results.as_dict(), "lang": lang}
    return (json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
