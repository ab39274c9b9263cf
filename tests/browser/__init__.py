"""Browser tests: one headless Chromium (``conftest``) driving the pages of real nodes."""
