"""The thin HTTP layer: each module turns requests into calls to app/ and app/patents/."""
