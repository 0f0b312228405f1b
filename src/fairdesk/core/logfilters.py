"""Log filters of fairdesk's one handler (``LOGGING`` in ``settings.py``)."""

from __future__ import annotations

import logging


class RefusalsInOneLine(logging.Filter):
    """A refusal is one line at WARNING, without a traceback.

    Django logs every answer it gives to an exception: ``django.request`` a 403 for
    ``PermissionDenied`` ("Forbidden (Permission denied): /outbox/") and a 400 for a body it
    cannot parse, ``django.security.*`` a 400 for a suspicious request (a host not allowed, too
    many fields) at ERROR — each with the exception attached, so the handler wrote its whole
    traceback. A 4xx is the client's doing, not a fault to debug: the line (who, which path,
    which status) is what an operator needs, and a refused crawler must not bury the real
    errors. Answers of 500 and above keep their traceback and their level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            if record.levelno > logging.WARNING:
                record.levelno = logging.WARNING
                record.levelname = logging.getLevelName(logging.WARNING)
        return True
