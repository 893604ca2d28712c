"""Campaigns: what constituents are asked to write about, and their pages."""
