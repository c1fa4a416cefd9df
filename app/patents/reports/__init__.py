"""PDF documents with reportlab: one house style, and user text that is always escaped."""
