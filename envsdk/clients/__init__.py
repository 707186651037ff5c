"""Shared clients: OpenAI-compatible chat, sharded HTTP, LLM judge, local HF generation."""
