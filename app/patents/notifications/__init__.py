"""Notifications: what a person should know about work requests, in the app and by e-mail."""
