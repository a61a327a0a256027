"""gunicorn.conf.py and its JSON access log (operations.gunicorn_logging); scripts/e2e.py runs
them."""

import datetime
import json
import runpy
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from gunicorn.config import Config

from operations.gunicorn_logging import JsonAccessLogger

CONF = str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py")
GUNICORN_VARIABLES = [
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_CONTROL_SOCKET",
    "FORWARDED_ALLOW_IPS",
]


@pytest.fixture
def conf(monkeypatch):
    """Reads gunicorn.conf.py with the given environment variables, the others unset."""

    def read(**variables):
        for name in GUNICORN_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(CONF)

    return read


def test_development_defaults(conf):
    settings = conf()
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert 1 <= settings["workers"] <= 8
    assert settings["worker_class"] == "sync"
    assert settings["timeout"] == 30
    assert settings["control_socket_disable"] is True
    assert settings["preload_app"] is True
    assert settings["umask"] == 0o007


def test_systemd_settings(conf):
    settings = conf(
        GUNICORN_BIND="unix:/run/friendship-gifts/gunicorn.sock",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="45",
    )
    assert settings["bind"] == ["unix:/run/friendship-gifts/gunicorn.sock"]
    assert settings["workers"] == 3
    assert (settings["threads"], settings["worker_class"]) == (4, "gthread")
    assert settings["timeout"] == 45
    # Beside the socket, not in the user's home shared with every other gunicorn.
    assert settings["control_socket"] == "/run/friendship-gifts/gunicorn.ctl"


def test_gunicorn_accepts_every_setting(conf):
    settings = conf(GUNICORN_BIND="unix:/tmp/gunicorn.sock")
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)
    assert config.logger_class is JsonAccessLogger
    assert config.secure_scheme_headers == {"X-FORWARDED-PROTO": "https"}
    assert config.forwarder_headers == []


def make_logger(**settings):
    config = Config()
    config.set("accesslog", "-")
    for name, value in settings.items():
        config.set(name, value)
    logger = JsonAccessLogger(config)
    logger.access_log = mock.Mock()
    return logger


def access_line(logger, environ, headers=()):
    response = SimpleNamespace(
        status="404 Not Found", status_code=404, sent=3355, headers=list(headers)
    )
    base = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": '/gifts/"quoted"/?q=a%20b',
        "PATH_INFO": '/gifts/"quoted"/',
        "QUERY_STRING": "q=a%20b",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "REMOTE_ADDR": "",
        "HTTP_USER_AGENT": 'agent "with quotes"',
    }
    logger.access(response, None, base | environ, datetime.timedelta(milliseconds=12.34))
    fmt, line = logger.access_log.info.call_args.args
    assert fmt == "%s"
    return json.loads(line)


def test_access_log_is_one_json_object_with_the_request_id():
    record = access_line(
        make_logger(),
        {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_REQUEST_ID": "from-the-proxy-1"},
        headers=[("X-Request-ID", "from-the-response-1")],
    )
    assert record["path"] == '/gifts/"quoted"/'
    assert record["query"] == "q=a%20b"
    assert record["status"] == 404
    assert record["bytes"] == 3355
    assert record["duration_ms"] == 12.3
    assert record["user_agent"] == 'agent "with quotes"'
    assert record["referer"] is None
    assert record["request_id"] == "from-the-response-1"
    # A unix socket peer is the proxy: the address it appended is the visitor's.
    assert record["remote_addr"] == "203.0.113.7"
    assert record["time"].endswith("Z")


def test_forwarded_for_is_believed_only_from_the_trusted_proxy():
    logger = make_logger(forwarded_allow_ips="127.0.0.1,10.1.0.0/16")
    spoofed = {"REMOTE_ADDR": "198.51.100.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert access_line(logger, spoofed)["remote_addr"] == "198.51.100.9"
    proxied = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"}
    assert access_line(logger, proxied)["remote_addr"] == "203.0.113.7"


def test_a_reload_stops_the_old_workers_only_once_the_new_ones_take_requests(conf):
    """gunicorn's reload would stop the old workers as soon as it forks the new ones, leaving
    nobody to accept while they start; on_reload holds that step until they are in their loop
    (their heartbeat carries the monotonic clock instead of its creation time), then stops the
    old ones one at a time, oldest first, RETIRE_GAP apart, while the new ones fill their caches."""
    settings = conf()
    events = []

    def worker(age, ready):
        stamp = 1234.5 if ready else 1.8e9  # monotonic seconds, or a file's creation time
        return SimpleNamespace(age=age, tmp=SimpleNamespace(last_update=lambda: stamp))

    server = SimpleNamespace(
        WORKERS={11: worker(2, True), 10: worker(1, True)},
        worker_age=2,
        num_workers=2,
        log=mock.Mock(),
        kill_worker=lambda pid, sig: events.append(("stopped", pid, time.monotonic())),
    )
    server.manage_workers = lambda: events.append(("usual round", None, time.monotonic()))
    usual = server.manage_workers
    settings["_retire_old_workers_when_new_ones_are_ready"](server)
    server.WORKERS.update({12: worker(3, False), 13: worker(4, False)})  # forked, starting

    def ready_later():
        events.append(("new workers ready", None, time.monotonic()))
        server.WORKERS[12], server.WORKERS[13] = worker(3, True), worker(4, True)

    timer = threading.Timer(0.3, ready_later)
    timer.start()
    server.manage_workers()  # what gunicorn's reload calls right after forking
    timer.join()
    assert [(what, pid) for what, pid, _ in events] == [
        ("new workers ready", None),
        ("stopped", 10),
        ("stopped", 11),
    ]
    assert events[2][2] - events[1][2] >= settings["RETIRE_GAP"] * 0.9  # one at a time
    assert server.manage_workers is usual  # the master's later rounds are its usual ones


def test_a_reload_prepares_the_new_workers_in_the_master_and_builds_nothing(conf):
    """On HUP the master maps the newest index build again (a worker may have made one since the
    start) for the new workers to inherit; it starts no build of its own, which would compete
    with the load for the CPU (catalogue.index builds new versions)."""
    settings = conf()
    server = mock.Mock()
    with (
        mock.patch("subprocess.run") as run,
        mock.patch("operations.workers.prepare") as prepare,
        mock.patch("gc.freeze") as freeze,
    ):
        settings["on_reload"](server)
    assert prepare.called and freeze.called  # what the workers share stays shared
    assert not run.called
