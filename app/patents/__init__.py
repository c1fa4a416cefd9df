"""PatentDesk's domain: plain Python that knows nothing of HTTP requests."""
