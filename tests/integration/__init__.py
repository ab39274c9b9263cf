"""Integration tests: real nodes on loopback ports, federating, driven as users drive them.

Shared helpers (modules without ``test_``):

- ``conftest`` — fixtures that start nodes and peers; ``deliver`` steps the
  nodes' delivery workers until nothing is left to send.
- ``crash_launcher`` — serves a node that SIGKILLs itself in the middle of an
  incoming proposal (the crash-safe inbox test).
- ``fake_peer`` — a Mastodon-like remote server on loopback.
- ``oauth_browser`` — the resident's browser side of an OAuth login, in aiohttp.
- ``participation_helpers`` — people, processes and a Samenspraak-shaped peer.
- ``voting_scenarios`` — processes in their voting phase, with residents.
- ``web_login`` — a resident's browser: cookies, the login form, forms with their token.
"""
