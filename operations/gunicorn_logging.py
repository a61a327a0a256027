"""
Gunicorn's access log as one JSON object per line (gunicorn.conf.py: logger_class).

Gunicorn's own format is text with quoted fields, which a path or user agent holding a quote
breaks; json.dumps escapes everything, so each line stays one valid JSON document:

    {"time": "2026-11-28T15:04:05.123Z", "method": "GET", "path": "/gifts/", "query": "page=2",
     "status": 200, "bytes": 18234, "duration_ms": 12.4, "remote_addr": "203.0.113.7",
     "user_agent": "...", "referer": "...", "request_id": "5f0c..."}

time is when the request arrived (UTC); request_id is the X-Request-ID the response carries, the
same as in nginx's log.
"""

import datetime
import ipaddress
import json
import traceback

from gunicorn.glogging import Logger


def _header(headers, name):
    """The value of a header from gunicorn's (name, value) pairs, whatever the name's case."""
    for key, value in headers or ():
        if key.lower() == name:
            return value
    return None


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            record = self.access_record(resp, req, environ, request_time)
            self.access_log.info("%s", json.dumps(record))
        except Exception:
            self.error(traceback.format_exc())

    def access_record(self, resp, req, environ, request_time):
        finished = datetime.datetime.now(datetime.UTC)
        started = finished - request_time
        raw_uri = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        path = raw_uri.split("?", 1)[0]
        status = getattr(resp, "status_code", None)
        if status is None:
            try:
                status = int(str(resp.status).split(None, 1)[0])
            except (ValueError, IndexError):
                status = None
        request_id = _header(getattr(resp, "headers", None), "x-request-id")
        if request_id is None:
            request_id = environ.get("HTTP_X_REQUEST_ID")
        return {
            "time": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": environ.get("REQUEST_METHOD"),
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "status": status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": self.client_address(environ),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "referer": environ.get("HTTP_REFERER"),
            "request_id": request_id,
        }

    def client_address(self, environ):
        """
        The visitor's address. Behind nginx the peer is nginx itself (a unix socket has no address
        at all), so the address nginx puts in X-Forwarded-For is used, but only when the peer is
        the trusted proxy (forwarded_allow_ips); otherwise the header could be anybody's claim.
        """
        peer = environ.get("REMOTE_ADDR") or ""
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and self.trusted_peer(peer):
            # The proxy appends the address it saw: the last entry is the one it vouches for.
            return forwarded.split(",")[-1].strip()
        return peer or None

    def trusted_peer(self, peer):
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            # No IP address: a unix socket, which only the proxy can reach.
            return True
        allowed = self.cfg.forwarded_allow_ips
        if isinstance(allowed, str):
            allowed = allowed.split(",")
        for entry in allowed:
            entry = entry.strip()
            if entry == "*":
                return True
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False
