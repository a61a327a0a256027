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

# 2 x cores + 1 is gunicorn's rule of thumb. The workers share one copy of the listing's index
# (catalogue.store: files they all map), so memory grows little with their number.
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

# The master loads the site once and prepares what every worker needs (operations.workers:
# the views imported, the public templates compiled, the listing's index mapped), opening no
# database or Redis connection; each worker is a fork of it and starts in milliseconds, at
# start, after max_requests and on a reload. So a reload (HUP) re-reads this file and replaces
# the workers but keeps the code loaded at start: it is for the same release and env file; a new
# release is a restart (README, "Deploy").
preload_app = True

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


def _build_listing_index(server, when):
    """
    Build the listing's index of the current collection version (catalogue.store) in a process of
    its own, before the master starts workers: they then only map its files. Without it (the
    database away, say) the first worker to find no build makes it while the others wait.
    """
    import subprocess
    import sys
    import time

    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, os.path.join(chdir, "manage.py"), "build_listing_index"],
            cwd=chdir,
            capture_output=True,
            text=True,
            timeout=_int_env("LISTING_INDEX_BUILD_TIMEOUT", 300),
        )
    except (OSError, subprocess.SubprocessError) as error:
        server.log.warning("Listing index not built %s: %s", when, error)
        return
    if done.returncode:
        lines = (done.stderr or done.stdout).strip().splitlines()
        server.log.warning("Listing index not built %s: %s", when, lines[-1] if lines else "")
    else:
        seconds = time.monotonic() - started
        said = done.stdout.strip().splitlines()[-1:]  # the command's own line, after the logs
        server.log.info("Listing index ready %s in %.1f s: %s", when, seconds, "".join(said))


def when_ready(server):
    _build_listing_index(server, "at start")
    _prepare(server)


def _prepare(server):
    """In the master, before it forks workers: what each would otherwise do itself."""
    import gc

    try:
        from operations.workers import prepare

        prepare()
    except Exception:
        server.log.exception("Could not prepare the workers; each will prepare itself")
    # The master's objects stay out of the workers' garbage collections, which would otherwise
    # touch every one of them and so copy every page the workers share with the master.
    gc.freeze()


def on_reload(server):
    """
    On HUP, the old workers are let go only once the new ones take requests. The new workers map
    the index the master built at start or a worker built since (catalogue.index builds a new
    collection version in the background): a reload builds nothing. Building here meant a second
    Django process on a machine already busy with the load, 10 s under 50 clients on 2 cores.
    """
    _prepare(server)  # the newest build, which a worker may have made since the start
    _retire_old_workers_when_new_ones_are_ready(server)


RETIRE_WAIT = graceful_timeout  # seconds a reload keeps the old workers for the new ones to start
RETIRE_GAP = 1.0  # seconds between stopping one old worker and the next


def _retire_old_workers_when_new_ones_are_ready(server):
    """
    Gunicorn's reload starts the new workers and at once asks the old ones to stop (SIGTERM,
    after their current request). A new worker checks the collection version before it accepts
    anything (milliseconds as a fork of the prepared master; over a second on a busy machine when
    each imported the site), and meanwhile nobody accepted: requests waited 2-3 s under load.
    So the reload's next step (manage_workers, which stops the oldest workers beyond the number
    wanted) is held, once, until every new worker has entered its loop, or for at most
    RETIRE_WAIT seconds (graceful_timeout): a new worker that cannot start within that (a broken
    env file, say) has the old ones stopped as gunicorn would. Lowering the old workers' priority
    to let the new ones start made the old ones' requests wait 4-7 s under 50 clients on 2 cores.

    A worker is in its loop once it has touched its heartbeat file (Worker.notify), which gunicorn
    stamps with the monotonic clock (seconds since boot); a new file carries the wall-clock time
    of its creation, over a billion seconds: the two cannot be mistaken for each other.
    """
    import signal
    import time

    retire = server.manage_workers
    age = server.worker_age  # the workers started from now on are the new ones

    def when_ready():
        server.manage_workers = retire  # once: later calls are the master's usual rounds
        deadline = time.monotonic() + RETIRE_WAIT
        while time.monotonic() < deadline:
            new = [w for w in server.WORKERS.values() if w.age > age]
            if len(new) >= server.num_workers and all(_in_loop(w) for w in new):
                break
            time.sleep(0.05)
        else:
            server.log.info("New workers not ready after %s s; stopping the old ones", RETIRE_WAIT)
            retire()
            return
        # One old worker at a time: each new one starts with empty caches (its first requests
        # cost more), and old ones still answering meanwhile take the requests they are slow on.
        old = sorted((w.age, pid) for pid, w in server.WORKERS.items() if w.age <= age)
        for number, (_, pid) in enumerate(old):
            if number:
                time.sleep(RETIRE_GAP)
            server.kill_worker(pid, signal.SIGTERM)

    server.manage_workers = when_ready


def _in_loop(worker):
    try:
        return worker.tmp.last_update() < 1e9
    except (OSError, ValueError):
        return False


def post_worker_init(worker):
    """
    Before this worker takes its first request: what the master prepared if it could not, then
    the current collection version's index (operations.workers.warm). A worker builds the index
    only when no process has (then the others wait for it).
    """
    try:
        from operations.workers import warm

        warm()
    except Exception:
        worker.log.exception("Could not warm this worker up; its first requests will")
