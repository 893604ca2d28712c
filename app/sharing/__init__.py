"""Sharing: share codes, visits through them, and who brought whom in."""
