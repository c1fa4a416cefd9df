"""PatentDesk application package."""
