"""
Gunicorn settings for Friendship Gifts, read from the environment.

    .venv/bin/gunicorn -c gunicorn.conf.py

Development needs no variables (127.0.0.1:8000, a few sync workers). The systemd unit
(deploy/systemd/friendship-gifts.service) binds a unix socket that nginx connects to; nginx
terminates TLS and buffers requests and responses, so the workers only ever talk to nginx.
Every variable is listed in deploy/env.example.
"""

import os

# Absolute paths work from any working directory (systemd, a release symlink). The directory
# is deliberately not resolved: under /srv/friendship-gifts/current it stays the symlink.
chdir = os.path.dirname(os.path.abspath(__file__))
wsgi_app = "museum.wsgi:application"
proc_name = "friendship-gifts"


def _int_env(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores():
    # The CPUs this process may run on (a container or a CPU quota may give fewer than the host).
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# --- Sockets -----------------------------------------------------------------------------------

# One address, or several separated by commas.
bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]
_unix_socket = bind[0].startswith("unix:")

# The unix socket is created srwxrwx---: nginx, a member of the service's group, can connect;
# nobody else on the machine can.
umask = 0o007

# Gunicorn trusts X-Forwarded-Proto only from these addresses. A unix socket has no address and
# is always trusted (only nginx can reach it, see umask); over TCP the proxy must be listed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Only the header nginx sets: a client's own X-Forwarded-Ssl or X-Forwarded-Protocol could
# otherwise contradict it and make gunicorn refuse the request.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# The site is not mounted under a prefix: never take SCRIPT_NAME or PATH_INFO from headers.
forwarder_headers = ""

# Gunicorn >= 25.1 opens a control socket for gunicornc, by default in $HOME/.gunicorn, shared by
# every gunicorn of the user (a second instance would take it over). Keep it next to the unix
# socket, where only this service writes; with a TCP bind it is off unless asked for.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
elif _unix_socket:
    control_socket = os.path.join(os.path.dirname(bind[0][len("unix:") :]), "gunicorn.ctl")
else:
    control_socket_disable = True

# --- Workers -----------------------------------------------------------------------------------

# 2 x cores + 1 is gunicorn's rule of thumb. Each worker holds the in-memory listing
# (catalogue/index.py, ~100 MB with 115,000 gifts), so the default stops at 8.
workers = _int_env("WEB_CONCURRENCY", min(2 * _cores() + 1, 8))
# Threads help only when requests wait on I/O (Redis, PostgreSQL); with one thread the plain
# sync worker is the simplest and most robust choice.
threads = _int_env("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this has its worker killed and restarted (nginx waits longer,
# see proxy_read_timeout), and a stopping worker gets graceful_timeout to finish its request.
timeout = _int_env("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# Only gthread keeps connections open; nginx opens a new one per request to the upstream anyway.
keepalive = 5

# Restart each worker after about 1000 requests (spread so they do not all restart together):
# bounds slow memory growth in long-running processes.
max_requests = 1000
max_requests_jitter = 100

# Every worker imports the application itself: nothing is shared across fork (database and
# Redis connections), and `systemctl reload` (HUP) starts workers that load the code afresh.
preload_app = False

# Worker heartbeats are files touched every second; on tmpfs they never wait on a disk.
_tmp = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")
if os.path.isdir(_tmp) and os.access(_tmp, os.W_OK):
    worker_tmp_dir = _tmp

# --- Logs --------------------------------------------------------------------------------------

# Both go to the service's stdout and stderr: the journal under systemd. The access log is one
# JSON object per line (operations/gunicorn_logging.py), which log shippers read without a parser.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "operations.gunicorn_logging.JsonAccessLogger"


def post_worker_init(worker):
    """
    Load the listing's columns (catalogue.index) before this worker takes its first request. A new
    worker (at start, or after max_requests) would otherwise make one visitor wait while it reads
    the whole collection: about a second at 115,000 gifts, several at a million. Meanwhile the
    other workers answer.
    """
    try:
        from catalogue import index

        index.collection()
    except Exception:
        worker.log.exception("Could not load the collection early; the first request will")
