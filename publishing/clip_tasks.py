"""Publishing's social clip job handler."""
