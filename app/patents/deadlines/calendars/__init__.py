"""Office closure data (TOML)."""
