"""Telling people: email/webhook notifier, message contexts, email formatting, alert de-duplication markers, daily summary, health-check monitoring (the one owner of the pings)."""
