"""The fuzz suite's fixed budget, so that CI runs the same examples every time.

``fuzz`` (the default) runs a few hundred examples per parser in well under a minute
on two cores; ``fuzz-deep`` is for a longer look by hand:
``HYPOTHESIS_PROFILE=fuzz-deep .venv/bin/python -m pytest tests/fuzz``.
A failing example is printed; keep it as an ``@example`` beside the fix.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# derandomize: the same examples on every run, so CI is reproducible and a red run
# can be repeated; no example database, so nothing on disk changes what runs.
settings.register_profile(
    "fuzz",
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz-deep",
    max_examples=20_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
