"""The test suite: real nodes on real loopback ports, real clients, no timings.

``tests/run.sh`` runs it all twice, the second time with the node's clock two
years ahead (``SAMENSPRAAK_CLOCK_SHIFT_DAYS=730``); ``.ci/run`` calls it after
the linters, the import contracts and the type check. Speed is measured in
``benchmarks/``, never here. Tests may import any package of ours.

Packages (each test module's docstring says what it proves):

- ``unit`` — pure functions and small parts, no network: signatures (with
  published vectors in ``unit/vectors/``), JSON-LD, sanitising, policy, rate
  limits, lifecycles, tallies, the CLI's parser.
- ``integration`` — whole nodes federating with each other and with a
  Mastodon-like peer, driven over HTTP, the CLI and Mastodon.py.
- ``clients`` — a resident's tour of a running demo with a real client
  library, runnable by hand and used by the demo's test.
- ``browser`` — the pages in headless Chromium (Playwright).
- ``fuzz`` — hypothesis fuzzing of every parser at the edge, on a fixed budget
  (its ``conftest``); the clock-shifted second run leaves it out.
"""
