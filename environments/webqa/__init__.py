"""webqa: multi-turn search-and-read question answering over an offline corpus."""
