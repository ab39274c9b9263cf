"""Fuzz tests: whatever arrives at the edge, each parser gives its result or its own refusal.

- ``conftest`` — the fixed budget (hypothesis profiles ``fuzz`` and ``fuzz-deep``).
- ``strategies`` — the inputs: edgy text, JSON values and activity-shaped objects.
"""
