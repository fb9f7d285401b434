"""Publishing's job handlers (the public site's export)."""
