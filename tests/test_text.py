"""calculator.text: user text is shown as text in Markdown, plotly and everywhere else."""

from __future__ import annotations

import json
import re
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculator.input_limits import MAX_SHOWN_CHARS
from calculator.text import ELLIPSIS, WORD_JOINER, literal_markdown, plain, plotly_text

BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]]
HOSTILE = [
    "![x](http://evil.example/pixel.png)",
    "[click](http://evil.example/)",
    '<img src="http://evil.example/p.png"><a href="http://x">PT</a>',
    "see http://evil.example, https://x.y, www.evil.example or me@evil.example",
    "$x^2$ $$y$$ :material/home: :red[alert] :smile:",
    "# heading\n> quote\n- item\n1. item\n```code```\n| a | b |\n---",
    "**bold** _it_ ~~strike~~ `code` &amp; &#x41; \\*",
]
ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def unescape_markdown(text: str) -> str:
    """CommonMark's reading of a text in which every punctuation character must be escaped."""
    text = text.replace(WORD_JOINER, "")
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            assert i + 1 < len(text) and text[i + 1] in ASCII_PUNCTUATION, text
            out.append(text[i + 1])
            i += 2
            continue
        assert ch not in ASCII_PUNCTUATION, f"unescaped {ch!r} in {text!r}"
        out.append(ch)
        i += 1
    return "".join(out)


@pytest.mark.parametrize("control", BIDI + ["\x00", "\x1b", "\x7f", "\x85", "\u200b", "\ufeff", "\u00ad"])
def test_invisible_and_direction_changing_characters_are_removed(control: str) -> None:
    assert plain(f"invoice{control}fdp.exe") in ("invoicefdp.exe", "invoice\nfdp.exe")


def test_newlines_tabs_and_joiners_are_kept() -> None:
    assert plain("a\r\nb\rc\u2028d\te") == "a\nb\nc\nd\te"
    family = "\U0001f469\u200d\U0001f4bb and \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert plain(family) == family


@given(st.text(max_size=300), st.integers(1, 120))
def test_plain_is_short_and_clean(text: str, limit: int) -> None:
    shown = plain(text, limit)
    assert len(shown) <= limit
    for ch in shown:
        category = unicodedata.category(ch)
        assert ch in "\n\t\u200c\u200d" or category not in ("Cc", "Cf", "Cs"), repr(ch)
    if len(text) <= limit and all(ch.isprintable() or ch in "\n\t" for ch in text) and "\x85" not in text:
        assert shown == text.replace("\r\n", "\n").replace("\r", "\n")


def test_absurd_lengths_cost_nothing() -> None:
    start = time.perf_counter()
    shown = plain("\u202e" * 5_000_000 + "x" * 5_000_000)
    assert time.perf_counter() - start < 0.5
    assert shown == ELLIPSIS
    assert plain("x" * 10_000_000) == "x" * (MAX_SHOWN_CHARS - 1) + ELLIPSIS


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_reads_back_literally(text: str) -> None:
    escaped = literal_markdown(text)
    # Every punctuation character escaped (asserted by unescape_markdown) and nothing lost.
    assert unescape_markdown(escaped) == " ".join(text.split())
    # remark-gfm autolinks after resolving escapes: its triggers carry an invisible word joiner.
    assert re.search(r"(?i)://|www\\?\.|@\w", escaped.replace("\\", "")) is None


@given(st.text(max_size=200))
def test_every_punctuation_character_is_escaped(text: str) -> None:
    escaped = literal_markdown(text)
    assert unescape_markdown(escaped) == " ".join(plain(text).split())
    assert "\n" not in escaped


def test_multi_line_keeps_lines_as_hard_breaks() -> None:
    assert literal_markdown("a.\n# b", one_line=False) == "a\\.  \n\\# b"


def test_plotly_text_has_no_markup() -> None:
    import plotly.graph_objects as go

    label = plotly_text(HOSTILE[2] + " $x$ %{y} & done")
    assert "<" not in label and ">" not in label and "$" not in label and "%{" not in label
    figure = go.Figure(go.Bar(x=[label], y=[1], name=label, hovertemplate=label + "<extra></extra>"))
    spec = json.dumps(figure.to_plotly_json())
    assert "<a " not in spec and "<img" not in spec
