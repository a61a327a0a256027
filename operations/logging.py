"""
Log records as one JSON object per line on stdout, each with the id of the request it belongs to
(operations.middleware), for a log collector to index without parsing prose.
"""

import datetime
import json
import logging

from operations.middleware import current_request_id

# Attributes every LogRecord has; anything else on a record was passed in `extra` and is kept.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in STANDARD_ATTRIBUTES and name != "request":
                entry[name] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        request = getattr(record, "request", None)
        if request is not None:
            entry.setdefault("method", getattr(request, "method", None))
            entry.setdefault("path", getattr(request, "path", None))
        if getattr(record, "status_code", None) is not None:
            entry["status"] = record.status_code
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
