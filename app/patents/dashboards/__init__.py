"""Dashboards: the firm's and the provider's figures, each a fixed number of queries."""
