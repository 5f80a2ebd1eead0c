"""Streamlit's real Markdown renderer (react-markdown, remark-gfm autolinks, maths, icons) shows
calculator.text.literal_markdown output as the literal text: no link, image, maths or icon.

A control container renders the same texts raw, to prove the page would show links and images
if the escaping were missing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, _free_port

pytestmark = pytest.mark.browser

TEXTS = [
    "![x](http://evil.example/pixel.png)",
    "[click](http://evil.example/)",
    '<img src="http://evil.example/p.png"> <a href="http://evil.example">PT</a>',
    "see http://evil.example or www.evil.example or me@evil.example",
    "$x^2$ :material/home: :red[alert] :smile: **bold** &amp;",
]

SCRIPT = f"""
import streamlit as st
from calculator.text import literal_markdown
TEXTS = {TEXTS!r}
with st.container(key="raw"):
    for text in TEXTS:
        st.markdown(text)
with st.container(key="safe"):
    for i, text in enumerate(TEXTS):
        shown = literal_markdown(text)
        st.header(shown)
        st.markdown(shown)
        st.caption(shown)
        with st.expander(shown):
            st.write("inside")
        st.button("b" + str(i), key=f"b{{i}}", help=shown)
"""


@pytest.fixture(scope="module")
def literal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    script = tmp_path_factory.mktemp("literal") / "literal_app.py"
    script.write_text(SCRIPT, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
        + ["--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_escaped_text_is_literal_in_every_markdown_context(page: Page, literal_url: str) -> None:
    page.goto(literal_url)
    safe = page.locator(".st-key-safe")
    raw = page.locator(".st-key-raw")
    expect(safe.get_by_role("button", name="b4")).to_be_visible(timeout=30_000)
    # The control: unescaped, the same texts become links, images and maths.
    assert raw.locator("a").count() >= 3
    assert raw.locator("img").count() >= 1
    # Streamlit's own heading anchors (href="#...") and expander arrows are not from the text.
    assert safe.locator("a:not([href^='#']), img, .katex").count() == 0
    icons = safe.locator("[data-testid='stIconMaterial']").all_inner_texts()
    assert set(icons) <= {"keyboard_arrow_right", "keyboard_arrow_down", "expand_more", "expand_less"}
    body = safe.inner_text().replace("\u2060", "")
    for text in TEXTS[:2] + TEXTS[3:4]:
        assert text in body
