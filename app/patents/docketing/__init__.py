"""Docketing: matters, events and the deadlines they produce; the docket that reads them."""
