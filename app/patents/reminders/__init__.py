"""Deadline reminders: policies, the set-based sweep into an outbox, and exactly-once delivery from it."""
