"""A bounded load test over Streamlit's own WebSocket protocol (run by ``make load``).

Each simulated user opens the page (``GET /``, which also sets the balancer's routing cookie),
connects a WebSocket to ``/_stcore/stream`` (subprotocol ``streamlit``), loads the app, then
"clicks" every THINK seconds (±50 %, seeded) until DURATION has passed: two clicks of three change
a number input on the current page (up one step, then back, so the work stays stationary), every
third switches to the next page. A click is a ``rerun_script`` BackMsg with the page's widget
states; its latency is the time until ``script_finished``. Meanwhile the server processes' VmRSS
(``/proc/<pid>/status``, with their children) and each process's open connections are sampled.

Loopback only: any host outside 127.0.0.0/8 (or ``localhost``) is refused. Every loop is
bounded by the duration plus a per-rerun timeout.

Usage:
    python bench/load.py --url http://127.0.0.1:8080            # a running `make serve` or `make run`
    python bench/load.py --start serve --workers 2              # starts and stops `make serve`'s stack
    python bench/load.py --start plain                          # one `streamlit run app.py`, no nginx
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from deploy.serve import Stack, free_port, wait_healthy  # noqa: E402

MAX_SESSIONS = 500
MAX_DURATION_S = 3600.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
SAMPLE_EVERY_S = 0.5


class LoadError(Exception):
    """Bad arguments or a target this tool refuses (one sentence, exit 2)."""


def check_loopback(url: str) -> tuple[str, int]:
    """Host and port of ``url``; raise unless it is http on a loopback address."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise LoadError(f"--url must start with http:// (found {url!r}); this tool only talks to a local server.")
    host = parts.hostname or ""
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8")
        except ValueError:
            loopback = False
        if not loopback:
            raise LoadError(f"--url host must be localhost or in 127.0.0.0/8, found {host!r}: load tests stay local.")
    return host, parts.port or 80


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# --- server processes, found through /proc ---------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    return inodes


def _pids() -> Iterator[int]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            yield int(entry.name)


def listening_pid(port: int) -> int | None:
    """The oldest process holding a listening socket on ``port`` (nginx's master, not its workers)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not wanted:
        return None
    holders = []
    for pid in _pids():
        try:
            for fd in os.scandir(f"/proc/{pid}/fd"):
                if os.readlink(fd.path) in wanted:
                    holders.append(pid)
                    break
        except OSError:
            continue
    return min(holders) if holders else None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def discover_workers(port: int) -> dict[int, int]:
    """``{port: pid}`` of the app processes behind ``port``: itself, or nginx's upstream servers."""
    pid = listening_pid(port)
    if pid is None:
        return {}
    cmd = _cmdline(pid)
    conf = re.search(r"nginx.* -c (\S+)", cmd)
    if conf is None:
        return {port: pid}
    text = Path(conf.group(1)).read_text(encoding="utf-8")
    workers = {}
    for upstream_port in re.findall(r"^\s*server 127\.0\.0\.1:(\d+)", text, flags=re.MULTILINE):
        worker_pid = listening_pid(int(upstream_port))
        if worker_pid is not None:
            workers[int(upstream_port)] = worker_pid
    return workers


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def with_descendants(roots: set[int]) -> set[int]:
    """``roots`` and every process below them (an image export may start a browser)."""
    parent_of = {}
    for pid in _pids():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        parent_of[pid] = int(stat.rsplit(")", 1)[1].split()[1])
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, parent in parent_of.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def established_by_port(ports: set[int]) -> Counter[int]:
    """Open TCP connections accepted on each of ``ports`` (one per WebSocket session, mostly)."""
    counts: Counter[int] = Counter()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 3 and cols[3] == "01":
                local_port = int(cols[1].rsplit(":", 1)[1], 16)
                if local_port in ports:
                    counts[local_port] += 1
    return counts


@dataclass
class Sampler:
    workers: dict[int, int]  # port -> pid
    peak_rss_kb: int = 0
    start_rss_kb: int = 0
    peak_connections: Counter[int] = field(default_factory=Counter)

    def sample(self) -> None:
        pids = with_descendants(set(self.workers.values()))
        total = sum(rss_kb(pid) for pid in pids)
        if not self.start_rss_kb:
            self.start_rss_kb = total
        self.peak_rss_kb = max(self.peak_rss_kb, total)
        for port, count in established_by_port(set(self.workers)).items():
            self.peak_connections[port] = max(self.peak_connections[port], count)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.to_thread(self.sample)
            try:
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)
            except TimeoutError:
                pass


# --- one simulated user ----------------------------------------------------------------------


@dataclass
class Results:
    loads: list[float] = field(default_factory=list)
    reruns: list[tuple[str, float]] = field(default_factory=list)  # (page, seconds)
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: list[str] = field(default_factory=list)
    sessions_started: int = 0
    sessions_loaded: int = 0

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{kind}: {detail[:200]}")


class RunFailed(Exception):
    pass


@dataclass
class Session:
    url: str
    timeout: float
    rng: random.Random
    pages: dict[str, str] = field(default_factory=dict)  # page hash -> title
    page: str = ""
    widgets: dict[str, Any] = field(default_factory=dict)  # number inputs of the page, by id
    states: dict[str, float] = field(default_factory=dict)  # values this user set, by widget id
    raised: set[str] = field(default_factory=set)
    session_id: str = ""

    async def rerun(self, ws: Any, page_hash: str) -> tuple[str, float]:
        """Send one rerun and read until it finishes; (page title, seconds)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = ""
        client.page_script_hash = page_hash
        for widget_id, value in self.states.items():
            if widget_id in self.widgets:
                state = client.widget_states.widgets.add()
                state.id = widget_id
                state.double_value = value
        widgets: dict[str, Any] = {}
        ran_page = page_hash
        started = time.perf_counter()
        await ws.send(msg.SerializeToString())
        deadline = started + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f} s")
            raw = await asyncio.wait_for(ws.recv(), remaining)
            if isinstance(raw, str):
                continue
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.session_id = forward.new_session.initialize.session_id
            elif kind == "navigation":
                self.pages = {p.page_script_hash: p.page_name for p in forward.navigation.app_pages}
                ran_page = forward.navigation.page_script_hash
            elif kind == "page_not_found":
                raise RunFailed("page_not_found")
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind == "exception":
                    raise RunFailed(f"exception {element.exception.type}: {element.exception.message}")
                if element_kind == "number_input" and not element.number_input.disabled:
                    widgets[element.number_input.id] = element.number_input
            elif kind == "script_finished":
                elapsed = time.perf_counter() - started
                if forward.script_finished not in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    raise RunFailed(f"script_finished status {forward.script_finished}")
                self.page = ran_page
                self.widgets = widgets
                return self.pages.get(ran_page, ran_page or "?"), elapsed

    def next_click(self, click: int) -> str:
        """Change one number input (or switch page every third click); the page hash to run."""
        if click % 3 == 2 or not self.widgets:
            order = list(self.pages)
            if order:
                at = order.index(self.page) if self.page in order else -1
                return order[(at + 1) % len(order)]
            return self.page
        widget_id = self.rng.choice(sorted(self.widgets))
        widget = self.widgets[widget_id]
        current = widget.value if widget.set_value else widget.default
        current = self.states.get(widget_id, current)
        step = widget.step or 1.0
        # Up one step, then back down: the load stays the same however long the test runs.
        going_down = widget_id in self.raised or (widget.has_max and current + step > widget.max)
        value = current - step if going_down else current + step
        if widget.has_min and value < widget.min:
            value = widget.min
        if going_down:
            self.raised.discard(widget_id)
        else:
            self.raised.add(widget_id)
        self.states[widget_id] = value
        return self.page


def upload_request(
    url: str, cookie: str, xsrf: str, name: str, content_type: str, data: bytes
) -> urllib.request.Request:
    """A PUT of one file to Streamlit's upload endpoint ``url``, as its file uploader sends it."""
    boundary = os.urandom(8).hex()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Cookie": cookie, "X-Xsrftoken": xsrf, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return urllib.request.Request(url, data=body, method="PUT", headers=headers)


def fetch_cookies(url: str, timeout: float, cookie: str = "") -> str:
    """Load the page like a browser does first; return ``cookie`` and the cookies set, as a Cookie header."""
    request = urllib.request.Request(url + "/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
    return "; ".join([cookie] * bool(cookie) + [c.split(";", 1)[0] for c in cookies])


async def run_session(
    index: int,
    url: str,
    start_delay: float,
    think: float,
    stop_at: float,
    timeout: float,
    seed: int,
    results: Results,
    cookie: str = "",
) -> None:
    from websockets.asyncio.client import connect

    await asyncio.sleep(start_delay)
    session = Session(url=url, timeout=timeout, rng=random.Random(seed * 100_003 + index))
    results.sessions_started += 1
    try:
        cookie = await asyncio.to_thread(fetch_cookies, url, timeout, cookie)
        ws_url = "ws" + url.removeprefix("http") + "/_stcore/stream"
        headers = {"Cookie": cookie} if cookie else {}
        async with connect(
            ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers=headers,
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=timeout,
            ping_interval=None,  # browsers send no pings; a busy server must not fail ours
            close_timeout=2,
        ) as ws:
            _, seconds = await session.rerun(ws, "")
            results.loads.append(seconds)
            results.sessions_loaded += 1
            click = 0
            while True:
                pause = think * session.rng.uniform(0.5, 1.5)
                if time.monotonic() + pause >= stop_at:
                    break
                await asyncio.sleep(pause)
                page_hash = session.next_click(click)
                click += 1
                results.reruns.append(await session.rerun(ws, page_hash))
    except TimeoutError as exc:
        results.error("timeout", str(exc) or "timed out")
    except RunFailed as exc:
        results.error("app", str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure of a session is one counted error
        results.error(type(exc).__name__, str(exc))


# --- the whole test ----------------------------------------------------------------------------


async def run_load(
    url: str,
    sessions: int,
    think: float,
    duration: float,
    timeout: float,
    seed: int,
    workers: dict[int, int],
    cookies: list[str] | None = None,
) -> tuple[Results, Sampler, float]:
    """Run the sessions against ``url``; ``workers`` ({port: pid}) are sampled for memory and connections.

    ``cookies`` (optional, one Cookie header per session, cycled) replace the cookies a new browser
    would get, e.g. to pin sessions to known app processes.
    """
    results = Results()
    sampler = Sampler(workers)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    started = time.monotonic()
    stop_at = started + duration
    # Users arrive spread over one think time (or 5 s), not in one burst.
    spread = min(max(think, 0.5), 5.0)
    tasks = [
        run_session(
            i,
            url,
            spread * i / sessions,
            think,
            stop_at,
            timeout,
            seed,
            results,
            cookies[i % len(cookies)] if cookies else "",
        )
        for i in range(sessions)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), duration + spread + 2 * timeout + 10)
    except TimeoutError:
        results.error("overall", "the test did not finish within its bound")
    finally:
        stop.set()
        await sampling
    sampler.sample()
    return results, sampler, time.monotonic() - started


def summarise(results: Results, sampler: Sampler, elapsed: float, args: argparse.Namespace) -> dict[str, Any]:
    rerun_times = [s for _, s in results.reruns]
    by_page: dict[str, list[float]] = defaultdict(list)
    for page, seconds in results.reruns:
        by_page[page].append(seconds)

    def stats(values: list[float]) -> dict[str, float | int]:
        return {
            "n": len(values),
            "p50_s": round(percentile(values, 50), 3),
            "p95_s": round(percentile(values, 95), 3),
            "p99_s": round(percentile(values, 99), 3),
        }

    return {
        "url": args.url,
        "sessions": args.sessions,
        "sessions_loaded": results.sessions_loaded,
        "think_s": args.think,
        "duration_s": args.duration,
        "elapsed_s": round(elapsed, 1),
        "first_load": stats(results.loads),
        "reruns": stats(rerun_times),
        "per_page": {page: stats(values) for page, values in sorted(by_page.items())},
        "errors": sum(results.errors.values()),
        "errors_by_kind": dict(results.errors),
        "error_examples": results.error_examples,
        "server_processes": len(sampler.workers),
        "server_rss_start_mb": round(sampler.start_rss_kb / 1024, 1),
        "server_rss_peak_mb": round(sampler.peak_rss_kb / 1024, 1),
        "peak_connections_by_worker": {str(p): sampler.peak_connections.get(p, 0) for p in sorted(sampler.workers)},
    }


def report(summary: dict[str, Any]) -> str:
    def row(name: str, s: dict[str, Any]) -> str:
        return f"  {name:<28} {s['n']:>6} {s['p50_s']:>8.2f} {s['p95_s']:>8.2f} {s['p99_s']:>8.2f}"

    lines = [
        f"load test of {summary['url']}: {summary['sessions']} sessions ({summary['sessions_loaded']} loaded), "
        f"think {summary['think_s']:g} s, {summary['duration_s']:g} s (took {summary['elapsed_s']:g} s)",
        f"  {'':<28} {'n':>6} {'p50 s':>8} {'p95 s':>8} {'p99 s':>8}",
        row("first load", summary["first_load"]),
        row("reruns (clicks)", summary["reruns"]),
        *(row("  " + page, s) for page, s in summary["per_page"].items()),
        f"errors: {summary['errors']} {summary['errors_by_kind'] or ''}".rstrip(),
        *("  " + e for e in summary["error_examples"]),
        f"server: {summary['server_processes']} app processes, RSS together {summary['server_rss_start_mb']:g} MB "
        f"at start, peak {summary['server_rss_peak_mb']:g} MB",
        "peak open connections per process (port: n): "
        + ", ".join(f"{p}: {n}" for p, n in summary["peak_connections_by_worker"].items()),
    ]
    return "\n".join(lines)


@contextmanager
def plain_server() -> Iterator[tuple[str, dict[int, int]]]:
    """One ``streamlit run app.py`` on a free loopback port, stopped on exit."""
    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    argv = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"), "--server.headless", "true"]
    argv += ["--server.address", "127.0.0.1", "--server.port", str(port)]
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        yield url, {port: proc.pid}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def target(args: argparse.Namespace) -> Iterator[tuple[str, dict[int, int]]]:
    if args.start == "serve":
        with Stack(port=free_port(), workers=args.workers or os.cpu_count() or 1, host="127.0.0.1") as stack:
            yield stack.url, {w.port: w.proc.pid for w in stack.pool if w.proc}
    elif args.start == "plain":
        with plain_server() as found:
            yield found
    else:
        _, port = check_loopback(args.url)
        yield args.url.rstrip("/"), discover_workers(port)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running server on loopback, e.g. http://127.0.0.1:8080")
    parser.add_argument("--start", choices=["serve", "plain"], default=None, help="start a server for the test")
    parser.add_argument("--workers", type=int, default=0, help="with --start serve: app processes (default: cores)")
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a session's clicks (±50%%)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of clicking")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one rerun may take before it is an error")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    if (args.url is None) == (args.start is None):
        raise LoadError("give either --url (a running server) or --start serve|plain.")
    if args.url is not None:
        check_loopback(args.url)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        raise LoadError(f"--sessions must be between 1 and {MAX_SESSIONS}, found {args.sessions}.")
    if not 0 < args.duration <= MAX_DURATION_S:
        raise LoadError(f"--duration must be above 0 and at most {MAX_DURATION_S:g} s, found {args.duration:g}.")
    if not 0 <= args.think <= args.duration:
        raise LoadError(f"--think must be between 0 and the duration, found {args.think:g}.")
    if not 1 <= args.timeout <= 600:
        raise LoadError(f"--timeout must be between 1 and 600 s, found {args.timeout:g}.")
    if not 0 <= args.workers <= 64:
        raise LoadError(f"--workers must be between 0 (one per core) and 64, found {args.workers}.")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except LoadError as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 2
    with target(args) as (url, workers):
        args.url = url
        if not workers:
            print("load: no server process found behind the URL; memory is not measured", file=sys.stderr)
        results, sampler, elapsed = asyncio.run(
            run_load(url, args.sessions, args.think, args.duration, args.timeout, args.seed, workers)
        )
    summary = summarise(results, sampler, elapsed, args)
    print(report(summary))
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
