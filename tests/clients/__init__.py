"""Real client libraries against a running node: ``mastodon_py_tour`` (Mastodon.py), and
``library_calls.mjs`` with the npm libraries of ``package.json`` (masto.js, the library
of Elk and Phanpy, and megalodon, Whalebird's), driven by
``tests/integration/test_client_libraries.py``."""
