"""Toy environments: tiny, deterministic tasks for tests, demos and the CPU experiment."""
