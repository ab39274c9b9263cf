"""How the ``samenspraak`` command writes its log: plain lines, or one JSON object per line.

``--log-format json`` (``serve`` and ``demo``) is for log collectors: every record,
the access log's included, is one JSON object on one line, with the time in UTC.
The access log's URLs are redacted before they reach here
(``node/web/access_log.py``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # ensure_ascii keeps a line one line whatever a message holds.
        return json.dumps(entry, ensure_ascii=True)


def configure_logging(log_format: str, verbose: bool) -> None:
    """Log to standard error in ``log_format``, at DEBUG when ``verbose``."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLogFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
