"""The RQ worker entry point: `python -m worker [queue ...]`."""
