"""Test helpers shared by every test folder: loopback servers (a scripted OpenAI-compatible chat server,
ASGI apps on a uvicorn thread) and tiny tokenizers built locally. One home, so folders stop copying them."""
