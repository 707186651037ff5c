"""Registers the parity environments (worker processes rebuild them from `tests.parity.envs`)."""

from .envs import register

register()
