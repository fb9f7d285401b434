"""The Flask app: a thin layer that parses input, checks roles and calls the services."""

from __future__ import annotations

from web.app import create_app

__all__ = ["create_app"]
