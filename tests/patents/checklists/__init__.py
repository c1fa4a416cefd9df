"""Tests of drafting checklists: operations, pages, versioning, the CLI and the PDF."""
