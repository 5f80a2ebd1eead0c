"""Text from users is text: never markup, never a link, never a control sequence (issue 12, SPEC §6).

Labels, descriptions and notes arrive from uploads, scenarios and share links. Streamlit renders
headings, expanders, captions and tooltips as Markdown (with GitHub's autolinks of bare
``http://``/``www.``/e-mail text, ``$`` maths, ``:material/…:`` icons and ``:red[…]`` colours), and
plotly renders a subset of HTML in labels and hovers (``<a href>`` is a live link). So:

- :func:`plain` for any display: bidirectional overrides and other invisible control characters
  removed (a right-to-left override makes ``exe.pdf`` read as ``fdp.exe``), absurd lengths cut;
- :func:`literal_markdown` for any Markdown context: every ASCII punctuation character escaped
  with a backslash (CommonMark shows an escaped punctuation character literally, and no Markdown,
  autolink, maths, icon or directive syntax can start without one), whitespace made one line;
- :func:`plotly_text` for chart labels, legends and hovers: ``&``, ``<``, ``>`` and the
  characters that start plotly's maths and templates as HTML entities.
"""

from __future__ import annotations

import re
import unicodedata

from .input_limits import MAX_SHOWN_CHARS

__all__ = ["literal_markdown", "plain", "plotly_text", "wrap_lines"]

ELLIPSIS = "…"
# Joiners shape Arabic, Indic and emoji text: format characters, but not hostile.
_KEEP_FORMAT = frozenset("\u200c\u200d")
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_MARKDOWN_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _ASCII_PUNCTUATION})
_PLOTLY_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "$": "&#36;", "%": "&#37;"})
_WHITESPACE = re.compile(r"\s+")
# remark-gfm finds autolinks in the text *after* backslash escapes are resolved (checked in a browser:
# ``http\:\/\/x`` still became a link), so the patterns it looks for are broken by a word joiner
# (invisible, not a line break, and not a "word" character to the autolink patterns).
WORD_JOINER = "\u2060"
_AUTOLINK_TRIGGERS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def _keep(ch: str) -> bool:
    if ch in "\n\t" or ch in _KEEP_FORMAT:
        return True
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs")


def plain(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """User text made safe to show: no control or bidi-override characters, at most ``limit`` long.

    Keeps newlines and tabs (line separators become ``\\n``), removes every other control (Cc) and
    format (Cf) character except the zero-width joiners (U+200C, U+200D) and lone surrogates, and
    cuts text longer than ``limit`` characters to ``limit - 1`` plus an ellipsis. The work is
    bounded by ``limit``, not by the length of the input.

    Parameters
    ----------
    text
        Anything; ``None`` becomes ``""``, other objects their ``str()``.
    limit
        Most characters returned (at least 1).

    Examples
    --------
    >>> plain("invoice\\u202efdp.exe")
    'invoicefdp.exe'
    >>> plain("a\\x1b[31mb\\r\\nc\\x00")
    'a[31mb\\nc'
    >>> plain("x" * 10, limit=5)
    'xxxx…'
    """
    if text is None:
        return ""
    raw = text if isinstance(text, str) else str(text)
    limit = max(int(limit), 1)
    # Removed characters make the output shorter than its input; a bounded slice keeps the work bounded.
    window = raw[: 4 * limit + 4]
    cut = len(window) < len(raw)
    for old, new in _LINE_BREAKS.items():
        window = window.replace(old, new)
    if window.isascii() and window.isprintable():
        cleaned = window
    else:
        cleaned = "".join(ch for ch in window if _keep(ch))
    if len(cleaned) > limit or (cut and len(cleaned) == limit):
        return cleaned[: limit - 1] + ELLIPSIS
    if cut:
        return cleaned + ELLIPSIS
    return cleaned


def literal_markdown(text: object, limit: int = MAX_SHOWN_CHARS, *, one_line: bool = True) -> str:
    """Text for a Streamlit Markdown context that shows exactly the text, never markup or links.

    Use for headings, ``st.markdown``/``st.caption``/``st.write`` of strings, expander and tab
    labels, ``help=`` tooltips and column-config help. Every ASCII punctuation character gets a
    backslash: ``![x](http://evil/)``, ``[a](b)``, ``<img>``, ``&amp;``, ``$x$``,
    ``:material/home:``, ``:red[x]``, ``**b**``, ``# h`` and ``1.`` lists lose the character their
    syntax needs. GitHub-style autolinks are found after escapes are resolved, so ``://``,
    ``www.`` and ``@`` also get an invisible word joiner (U+2060) inside. With ``one_line`` (the
    default) runs of whitespace become one space, so a newline cannot start a new block; otherwise
    each newline becomes a Markdown hard line break.

    Examples
    --------
    >>> print(literal_markdown("Fees: $1,200 ![x](y.png)"))
    Fees\\: \\$1\\,200 \\!\\[x\\]\\(y\\.png\\)
    >>> literal_markdown("http://x www.x.org me@x.org").count(WORD_JOINER)
    3
    """
    shown = plain(text, limit)
    lines = [shown] if one_line else shown.split("\n")
    escaped = [_escape_line(_WHITESPACE.sub(" ", line).strip()) for line in lines]
    return "  \n".join(escaped)


def _escape_line(line: str) -> str:
    return _AUTOLINK_TRIGGERS.sub(WORD_JOINER, line).translate(_MARKDOWN_ESCAPES)


def plotly_text(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """Text for a plotly label, legend entry, title or hover: shown literally, never a link.

    plotly renders ``<a href>``, ``<b>``, ``<br>`` and entities in text, treats text between
    ``$…$`` as LaTeX, and expands ``%{…}`` in templates; all of those characters become entities
    (plotly shows an entity as its character). Whitespace becomes one line.

    Examples
    --------
    >>> plotly_text('<a href="http://evil">PT</a> & $x$ 50%')
    '&lt;a href="http://evil"&gt;PT&lt;/a&gt; &amp; &#36;x&#36; 50&#37;'
    """
    return _WHITESPACE.sub(" ", plain(text, limit)).strip().translate(_PLOTLY_ESCAPES)


def wrap_lines(text: object, width: int, max_lines: int | None = None) -> list[str]:
    """Break text into lines of at most about ``width`` characters, at spaces, for chart labels
    (plotly ticks and the handout's SVG) that cannot wrap themselves.

    Works on :func:`plain` text (escape each line afterwards for its context, so an escape is
    never cut). A word longer than ``width`` is cut into pieces of ``width``, so one unbroken label
    cannot run across a chart. With ``max_lines``, the last line kept ends in an ellipsis (after
    any trailing ``,;:``).

    Examples
    --------
    >>> wrap_lines("Medication (NSAID, short muscle relaxant)", 18)
    ['Medication (NSAID,', 'short muscle', 'relaxant)']
    >>> wrap_lines("one two, three four", 8, max_lines=1)
    ['one two…']
    >>> wrap_lines("x" * 10, 4)
    ['xxxx', 'xxxx', 'xx']
    """
    width = max(int(width), 1)
    words = [
        word[i : i + width] for word in _WHITESPACE.sub(" ", plain(text)).split() for i in range(0, len(word), width)
    ]
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            if max_lines is not None and len(lines) > max_lines:
                break  # enough to know it is cut; the rest of a long text is never looked at
            current = word
        else:
            current = f"{current} {word}".strip()
    else:
        if current:
            lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(",;:") + ELLIPSIS
    return lines
