"""Logging set-up: JSON lines for the daemon, plain text for one-shot commands.

Events carry their facts as `extra=` fields (message_id, seller, category,
action ...), so the JSON form can be searched by field and the text form
still reads as a sentence.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

from router.terminal import clean, clean_block

LEVELS = ("debug", "info", "warning", "error")


class _TextFormatter(logging.Formatter):
    """`level: message key=value ...` — short enough for a terminal."""

    _skip = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        # Values come from mail (Message-IDs, errors quoting it): one clean
        # line each, so no sender writes to the terminal or forges a line.
        text = f"{record.levelname.lower()}: {record.getMessage()}"
        extras = {k: v for k, v in vars(record).items() if k not in self._skip}
        if extras:
            text += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        text = clean(text)
        if record.exc_info and record.levelno <= logging.DEBUG:
            text += "\n" + clean_block(self.formatException(record.exc_info))
        return text


def setup_logging(style: Literal["json", "text"], level: str = "info") -> None:
    """Configure the root logger once, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    if style == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(_TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter (alembic's "Context impl" lines) is not for operators.
    for noisy in ("alembic", "aiosmtpd", "mail", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
