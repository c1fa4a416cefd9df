"""Deadline rule data (TOML)."""
