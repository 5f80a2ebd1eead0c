"""Serve the app to the public: several Streamlit processes behind nginx on one port (``make serve``).

Each process listens on a free loopback port; nginx (Debian's, run as a foreground process with
its pid, temp files and config in a run directory) listens on the public port and routes every
browser to one process by a routing cookie, because a Streamlit session lives in one process.
Ctrl-C or SIGTERM stops nginx and every process. A process that dies is restarted on its port
(a few times at most; after that the whole stack stops so a supervisor notices).

Usage: ``python deploy/serve.py --port 8080 --workers 2`` (``--host 0.0.0.0`` is the default:
the balancer is the public face; the Streamlit processes only ever listen on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
ROUTE_COOKIE = "lbp_route"
HEALTH_PATH = "/_stcore/health"
# Multipart framing around an uploaded file; see client_max_body_size in the template.
UPLOAD_MARGIN_MB = 1
MAX_RESTARTS = 5
START_TIMEOUT_S = 90.0


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the launcher dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ServeError(RuntimeError):
    """The stack could not start (a missing nginx, a process that never became healthy)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it; a race is possible but rare)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def upload_limit_mb(config_path: Path = REPO_ROOT / ".streamlit" / "config.toml") -> int:
    """The app's ``server.maxUploadSize`` in MB (Streamlit's default, 200, when unset)."""
    try:
        config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 200
    return int(config.get("server", {}).get("maxUploadSize", 200))


def render_nginx_conf(
    *, listen: str, worker_ports: list[int], run_dir: Path, max_body_mb: int, log_level: str = "crit"
) -> str:
    """The nginx configuration for these worker ports, from ``deploy/nginx.conf.template``."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in worker_ports)
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        run_dir=str(run_dir),
        log_level=log_level,
        cookie=ROUTE_COOKIE,
        servers=servers,
        listen=listen,
        max_body_mb=max_body_mb,
    )


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServeError(f"{url}: the process exited with code {proc.returncode} before it became healthy")
        if is_healthy(url):
            return
        time.sleep(0.25)
    raise ServeError(f"{url}{HEALTH_PATH} did not answer 'ok' within {timeout:.0f} s")


def find_nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        raise ServeError("nginx is not installed: run `apt-get install -y nginx` (make serve does it as root)")
    return found


@dataclass
class Worker:
    port: int
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Stack:
    """The workers and nginx of one ``make serve``; use as a context manager to stop everything."""

    port: int
    workers: int
    host: str = "0.0.0.0"
    run_dir: Path | None = None
    log_level: str = "crit"
    app: Path = REPO_ROOT / "app.py"
    python: str = sys.executable
    pool: list[Worker] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None
    _own_run_dir: bool = False

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
        env.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
        # One secret for every process (and every host, when set by the operator): signed cookies
        # issued by one process must be readable by the others. In the environment, not argv (ps).
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
        return env

    def _spawn(self, worker: Worker, env: dict[str, str]) -> None:
        worker.proc = subprocess.Popen(
            [
                self.python,
                "-m",
                "streamlit",
                "run",
                str(self.app),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(worker.port),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            # Own process group: Ctrl-C reaches only this script, which stops nginx first, then these.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def start(self) -> Stack:
        nginx = find_nginx()
        if self.run_dir is None:
            self.run_dir = Path(tempfile.mkdtemp(prefix=f"lbp-serve-{self.port}-"))
            self._own_run_dir = True
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # nginx's workers drop root for nobody; they must reach the temp directories.
        self.run_dir.chmod(0o755)
        self._env = self.worker_env()
        self.pool = [Worker(free_port()) for _ in range(self.workers)]
        for worker in self.pool:
            self._spawn(worker, self._env)
        for worker in self.pool:
            assert worker.proc is not None
            wait_healthy(worker.url, worker.proc)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                listen=f"{self.host}:{self.port}",
                worker_ports=[w.port for w in self.pool],
                run_dir=self.run_dir,
                max_body_mb=upload_limit_mb() + UPLOAD_MARGIN_MB,
                log_level=self.log_level,
            ),
            encoding="utf-8",
        )
        check = subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", str(self.run_dir)], capture_output=True)
        if check.returncode != 0:
            raise ServeError(f"nginx rejected {conf}: {check.stderr.decode(errors='replace').strip()}")
        self.nginx = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(self.run_dir)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        wait_healthy(self.url, self.nginx, timeout=15)
        (self.run_dir / "workers.txt").write_text(
            "".join(f"{w.proc.pid if w.proc else 0} {w.port}\n" for w in self.pool), encoding="utf-8"
        )
        return self

    def check(self) -> None:
        """Restart a worker that died (a few times at most); raise when nginx or a worker is gone for good."""
        if self.nginx is not None and self.nginx.poll() is not None:
            raise ServeError(f"nginx exited with code {self.nginx.returncode}")
        for worker in self.pool:
            if worker.proc is not None and worker.proc.poll() is not None:
                if worker.restarts >= MAX_RESTARTS:
                    raise ServeError(f"the worker on port {worker.port} died {worker.restarts + 1} times")
                worker.restarts += 1
                print(f"serve: worker on port {worker.port} exited ({worker.proc.returncode}); restarting", flush=True)
                self._spawn(worker, self._env)
                assert worker.proc is not None
                wait_healthy(worker.url, worker.proc)

    def stop(self) -> None:
        """Stop nginx, then every worker: SIGTERM, then SIGKILL after a grace period."""
        procs = ([self.nginx] if self.nginx else []) + [w.proc for w in self.pool if w.proc]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._own_run_dir and self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="the public port nginx listens on")
    parser.add_argument("--host", default="0.0.0.0", help="the address nginx listens on (default: all)")
    parser.add_argument("--workers", type=int, default=0, help="Streamlit processes (default: one per core)")
    parser.add_argument(
        "--run-dir", type=Path, default=None, help="nginx pid/temp/config directory (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    workers = args.workers or os.cpu_count() or 1
    if not 1 <= workers <= 64:
        parser.error(f"--workers must be between 1 and 64, found {workers}")
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be between 1 and 65535, found {args.port}")
    # Explicit handlers: a shell that starts this in the background ignores SIGINT by default.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    stack = Stack(port=args.port, workers=workers, host=args.host, run_dir=args.run_dir)
    stack.log_level = os.environ.get("NGINX_LOG_LEVEL", "crit")
    try:
        with stack:
            ports = ", ".join(str(w.port) for w in stack.pool)
            print(f"serve: {workers} app processes (127.0.0.1: {ports}) behind nginx on {stack.url}", flush=True)
            print(f"serve: run directory {stack.run_dir}; Ctrl-C stops everything", flush=True)
            while True:
                time.sleep(1)
                stack.check()
    except (KeyboardInterrupt, _Stop):
        print("serve: stopped", flush=True)
        return 0
    except ServeError as exc:
        print(f"serve: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
