"""Application drafting checklists: versioned templates, per-matter checklists, draft checks and sign-off."""
