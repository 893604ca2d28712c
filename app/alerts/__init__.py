"""Alerts: subscribers, their consent, and campaign alerts sent to them."""
