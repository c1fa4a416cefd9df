"""Prior-art search: patent import, per-collection indexes behind one SearchBackend protocol, queries, similarity."""
