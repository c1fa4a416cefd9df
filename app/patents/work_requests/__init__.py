"""Work requests: what firms ask the provider to do, its workflow, service levels and queue."""
