"""Real client libraries against a running node: ``mastodon_py_tour`` (Mastodon.py)."""
