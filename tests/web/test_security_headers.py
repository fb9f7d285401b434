"""Issue 12: pages cannot be framed, run inline script or be sniffed; next= stays on site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import csrf_token

TEMPLATES = Path(__file__).resolve().parents[2] / "web"


def test_every_answer_carries_the_security_headers(client, make_user) -> None:  # type: ignore[no-untyped-def]
    for response in (client.get("/login"), client.get("/api/v1/openapi.json"),
                     client.get("/assets/css/station.css")):
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        response.close()


def test_templates_hold_no_inline_script_or_style() -> None:
    """What the policy forbids must not be in the pages (it would silently stop working)."""
    offenders = []
    for page in TEMPLATES.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text) or \
                re.search(r"\son[a-z]+=\"", text) or "<style" in text or ' style="' in text:
            offenders.append(page.name)
    assert offenders == []


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/", "/\t/evil.example", "javascript:alert(1)"])
def test_sign_in_never_sends_people_to_another_site(client, make_user, target: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    user = make_user("editor")
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login?next=" + target, data={
        "username": user.username, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and not location.startswith("javascript")
