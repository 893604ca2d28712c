"""Targets other than MPs: lists an admin loads, and who a writer may write to."""
