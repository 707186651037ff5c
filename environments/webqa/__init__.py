"""Placeholder until its engineer lands the package."""
