"""`make serve`'s stack: two app processes behind nginx, sticky sessions, and a short load test.

Starts real processes (nginx from Debian, two Streamlit servers) on free loopback ports and stops
them all, even when an assertion fails (``Stack`` is a context manager). That test is marked
``serve`` (select it with ``-m serve``) and ``browser`` so the fast loop (``-m "not browser"``)
skips it; the pure checks of the config and the load tool run everywhere.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
import shutil
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from deploy import serve  # noqa: E402
from deploy.serve import ROUTE_COOKIE, Stack, free_port, render_nginx_conf  # noqa: E402


def _run_async(coroutine: Any) -> Any:
    """``asyncio.run`` in a thread of its own: Playwright's sync fixtures keep an event loop running
    in the main thread for the whole browser session, and ``asyncio.run`` refuses to nest in it."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


HAVE_NGINX = shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


def test_rendered_config_is_sticky_private_and_bounded(tmp_path: Path) -> None:
    conf = render_nginx_conf(listen="127.0.0.1:9", worker_ports=[1001, 1002], run_dir=tmp_path, max_body_mb=6)
    assert "hash $route_key consistent;" in conf
    assert "server 127.0.0.1:1001" in conf and "server 127.0.0.1:1002" in conf
    # No request takes a process out of rotation; an upload is never retried on another process.
    assert "server 127.0.0.1:1001 max_fails=0;" in conf and "server 127.0.0.1:1002 max_fails=0;" in conf
    uploads = conf[conf.index("location /_stcore/upload_file/") : conf.index("location / {")]
    assert "proxy_pass http://streamlit;" in uploads and "proxy_next_upstream off;" in uploads
    assert "access_log off;" in conf
    assert "client_max_body_size 6m;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert f"client_body_temp_path {tmp_path}/client_body;" in conf
    assert "${" not in conf  # every placeholder filled


UPSTREAM_HEADER = "X-Upstream"


def _render_with_upstream_header(**kwargs: Any) -> str:
    """The real config plus, for this test only, a response header naming the app process that
    answered (``$upstream_addr``). Never in production: it would tell anyone the internal ports."""
    conf = render_nginx_conf(**kwargs)
    marker = "add_header Set-Cookie $route_set_cookie always;"
    assert conf.count(marker) == 2  # the upload location and the rest
    return conf.replace(marker, f"{marker}\n            add_header {UPSTREAM_HEADER} $upstream_addr always;")


def _upstream_port(headers: Any) -> int | None:
    """The app process's port from the test-only header (the last address when nginx retried)."""
    value = headers.get(UPSTREAM_HEADER)
    if not value:
        return None
    return int(value.split(",")[-1].strip().rsplit(":", 1)[1])


def _worker_of(url: str, cookie: str) -> int | None:
    """The app process (port) nginx routes this routing cookie to, as nginx itself reports it.

    Any request with the cookie shows it: the key is the cookie alone, whatever the path, so the
    page, its WebSocket and its uploads all go where this health check goes. (An earlier probe
    counted each process's ESTABLISHED connections around a WebSocket; a connection closing at
    that moment made it name the wrong process.)"""
    request = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={cookie}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return _upstream_port(response.headers)


def _route_probes(url: str, cookies: list[str]) -> dict[str, int | None]:
    return {cookie: _worker_of(url, cookie) for cookie in cookies}


@pytest.mark.serve
@pytest.mark.browser
@pytest.mark.skipif(not HAVE_NGINX, reason="nginx is not installed (apt-get install -y nginx; .ci/run does it)")
def test_two_workers_behind_nginx_share_sessions_without_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "render_nginx_conf", _render_with_upstream_header)
    with Stack(port=free_port(), workers=2, host="127.0.0.1") as stack:
        with urllib.request.urlopen(stack.url + "/_stcore/health", timeout=10) as response:
            assert response.read() == b"ok"
            assert any(c.startswith(f"{ROUTE_COOKIE}=") for c in response.headers.get_all("Set-Cookie") or [])
        workers = {w.port: w.proc.pid for w in stack.pool if w.proc}
        ports = set(workers)
        assert len(ports) == 2

        # Random routing cookies spread over both processes (all 12 on one: 2 ** -11), and the
        # same cookie always reaches the same process (that is what keeps a session alive).
        routes = _route_probes(stack.url, [secrets.token_hex(16) for _ in range(12)])
        assert set(routes.values()) == ports, routes
        again = _route_probes(stack.url, list(routes) * 3)  # every cookie, three more times
        assert again == routes

        # An upload reaches the process that holds the session, up to the app's 5 MB limit. Sent
        # to the other process (another routing cookie), Streamlit refuses the session it does not
        # know (``runtime.is_active_session``) with 400 before reading the body and closes the
        # connection; nginx, still sending the body, then answers 502 itself: which of the two
        # depends on timing, that the other process refused it does not. Each answer names its
        # process (read from the answer, not from the probe above). nginx used to take the early
        # close for a failed process: it retried the PUT on the session's process (the 204 "from
        # the other process" seen in CI) and counted it towards max_fails.
        owner = next(c for c, p in routes.items() if p == min(ports))
        other = next(c for c, p in routes.items() if p == max(ports))
        answers = _run_async(_upload_statuses(stack.url, owner, other, size=5 * 1024 * 1024 - 4096, refused=3))
        assert answers[0] == (204, min(ports)), answers
        for status, port in answers[1:]:
            assert status in (400, 502) and port == max(ports), answers
        # Neither three refused uploads nor large bodies sent anywhere else (answered 405 before
        # they are read) take a process out of rotation: with max_fails=3, six such requests
        # moved every session or left nginx with no process at all (502 for everyone).
        # (Such a PUT may be retried on the next process, as any request that met an error may be.)
        for _ in range(3):
            for cookie in (other, owner):
                assert _put_anywhere(stack.url + "/_stcore/health", cookie)[0] in (405, 502)
        assert _route_probes(stack.url, list(routes)) == routes

        # Two sessions pinned to each process, clicking for 10 s.
        by_port: dict[int, list[str]] = {p: [c for c, port in routes.items() if port == p][:2] for p in ports}
        cookies = [f"{ROUTE_COOKIE}={c}" for pair in by_port.values() for c in pair]
        results, sampler, elapsed = _run_async(
            load.run_load(stack.url, 4, 1.0, 10.0, timeout=60.0, seed=1, workers=workers, cookies=cookies)
        )
        assert results.errors == Counter(), results.error_examples
        assert results.sessions_loaded == 4
        assert len(results.reruns) >= 8  # 4 sessions, a click about every second for 10 s
        assert {page for page, _ in results.reruns} >= {"My costs", "Compare options"}
        for port in ports:
            assert sampler.peak_connections[port] >= min(2, len(by_port[port])), sampler.peak_connections
        assert sampler.peak_rss_kb > 0
        assert elapsed < 10.0 + 2 * 60.0 + 15
    for proc in [stack.nginx, *(w.proc for w in stack.pool)]:
        assert proc is not None and proc.poll() is not None  # everything stopped


def _put_file(url: str, cookie: str, xsrf: str, size: int) -> tuple[int, int | None]:
    request = load.upload_request(url, cookie, xsrf, "s.json", "application/json", b" " * size)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), _upstream_port(response.headers)
    except urllib.error.HTTPError as exc:
        return int(exc.code), _upstream_port(exc.headers)


def _put_anywhere(url: str, cookie: str) -> tuple[int, int | None]:
    """(status, answering process's port) of a 5 MB PUT with this routing cookie."""
    request = urllib.request.Request(
        url, data=b" " * (5 * 1024 * 1024), method="PUT", headers={"Cookie": f"{ROUTE_COOKIE}={cookie}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), _upstream_port(response.headers)
    except urllib.error.HTTPError as exc:
        return int(exc.code), _upstream_port(exc.headers)


async def _upload_statuses(url: str, owner: str, other: str, size: int, refused: int) -> list[tuple[int, int | None]]:
    """(HTTP status, answering process's port) of one upload to a session routed by ``owner``,
    sent once with ``owner``, then ``refused`` times with ``other``."""
    import random

    from websockets.asyncio.client import connect

    with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as response:
        set_cookies = response.headers.get_all("Set-Cookie") or []
    xsrf = next(c.split(";", 1)[0].split("=", 1)[1] for c in set_cookies if c.startswith("_streamlit_xsrf="))
    cookie_of = {c: f"{ROUTE_COOKIE}={c}; _streamlit_xsrf={xsrf}" for c in (owner, other)}
    ws_url = "ws" + url.removeprefix("http") + "/_stcore/stream"
    headers = {"Cookie": cookie_of[owner]}
    async with connect(ws_url, subprotocols=["streamlit"], additional_headers=headers, ping_interval=None) as ws:  # type: ignore[list-item]
        session = load.Session(url=url, timeout=60, rng=random.Random(1))
        await session.rerun(ws, "")
        upload_url = f"{url}/_stcore/upload_file/{session.session_id}/{secrets.token_hex(8)}"
        answers = [await asyncio.to_thread(_put_file, upload_url, cookie_of[owner], xsrf, size)]
        for _ in range(refused):
            answers.append(await asyncio.to_thread(_put_file, upload_url, cookie_of[other], xsrf, size))
    return answers


def test_load_test_refuses_hosts_outside_loopback() -> None:
    with pytest.raises(load.LoadError, match="127.0.0.0/8"):
        load.check_loopback("http://192.0.2.1:8080")
    with pytest.raises(load.LoadError, match="http://"):
        load.check_loopback("https://127.0.0.1:8443")
    assert load.check_loopback("http://127.0.0.5:8080") == ("127.0.0.5", 8080)
    assert load.check_loopback("http://localhost:8501") == ("localhost", 8501)
    assert load.main(["--url", "http://example.org:80"]) == 2


def test_percentile_is_nearest_rank() -> None:
    # 1..100: p50 is the 50th value, p95 the 95th, p99 the 99th.
    values = [float(v) for v in range(100, 0, -1)]
    assert (load.percentile(values, 50), load.percentile(values, 95), load.percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert load.percentile([3.0], 99) == 3.0
