"""Refuse documents nested deeper than ``MAX_NESTING`` before a parser recurses into them.

``tomllib`` recurses once per level of inline arrays and tables, so a TOML file nested a few
thousand deep raised ``RecursionError`` (a traceback, not a message); ``json`` has the same limit.
:func:`check_nesting` counts the depth in one linear pass over the text, skipping strings and
comments, and raises the usual one-sentence :class:`~calculator.errors.InputError`.
"""

from __future__ import annotations

import re

from .errors import InputError
from .input_limits import MAX_NESTING

__all__ = ["check_nesting"]

# Strings are matched whole (in C, by the regex engine) so brackets inside them are not counted.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_TOML_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""?"?'  # multi-line basic string (may end in up to 2 extra quotes)
    r"|'''[\s\S]*?'''"  # multi-line literal string
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|^[ \t]*\[\[?"  # a bracket that starts a line: a [table] header when no inline bracket is open
    r"|[\[\]{}=]",
    re.MULTILINE,
)
# Quoted parts of a key may hold dots that do not nest.
_QUOTED = re.compile(r'"[^"\n]*"|\'[^\'\n]*\'')


def check_nesting(text: str, source: str, fmt: str, *, limit: int = MAX_NESTING) -> None:
    """Raise when ``text`` nests deeper than ``limit`` levels; linear in ``len(text)``.

    Parameters
    ----------
    text
        The whole document.
    source
        The file name (for the message).
    fmt
        ``"json"`` (arrays and objects) or ``"toml"`` (tables from headers and dotted keys, inline
        arrays and inline tables, all counted together).
    limit
        The deepest nesting accepted (levels).

    Raises
    ------
    InputError
        ``"<source>: line N: expected at most 64 levels of nesting, found more."``

    Examples
    --------
    >>> check_nesting('{"a": [1, {"b": "[[[["}]}', "x.json", "json", limit=3)
    >>> check_nesting("[[[[1]]]]", "x.json", "json", limit=3)
    Traceback (most recent call last):
    calculator.errors.InputError: x.json: line 1: expected at most 3 levels of nesting, found more.
    >>> check_nesting("a.b.c.d = 1", "x.toml", "toml", limit=3)
    Traceback (most recent call last):
    calculator.errors.InputError: x.toml: line 1: expected at most 3 levels of nesting, found more.
    """
    position = _toml_too_deep(text, limit) if fmt == "toml" else _json_too_deep(text, limit)
    if position is not None:
        line = text.count("\n", 0, position) + 1
        raise InputError(source, f"line {line}", f"at most {limit} levels of nesting", found_text="more")


def _json_too_deep(text: str, limit: int) -> int | None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth = max(depth - 1, 0)
    return None


def _toml_too_deep(text: str, limit: int) -> int | None:
    """Depth of every key and value: header parts + dotted key parts + inline brackets.

    Only strings, comments, brackets and ``=`` are tokens (numbers, commas and newlines are skipped
    by the regex engine); a key's parts are counted from the text between the previous structural
    token and its ``=``, so the whole pass stays linear.
    """
    base = 0  # levels of the current [table] header
    stack: list[tuple[str, int]] = []  # open inline brackets with the level of their container
    parent = 0  # level of the table (or array) whose keys (or items) are being read
    key_from = 0  # where the text of the next key can start
    value_level = 1  # level of the value after the last "="
    for match in _TOML_TOKENS.finditer(text):
        token = match.group().strip(" \t")
        if token[0] in "#\"'":
            continue
        if not stack and token[0] == "[" and _at_line_start(text, match.start()):
            line_end = text.find("\n", match.end())
            line_end = len(text) if line_end < 0 else line_end
            close = text.find("]", match.end(), line_end)
            close = len(text) if close < 0 else close
            header = text[match.end() : close]
            base = _QUOTED.sub("", header).count(".") + 1 + (1 if token == "[[" else 0)
            if base > limit:
                return match.start()
            parent = base
            key_from = close + 1
            continue
        if token == "=":
            segment = text[key_from : match.start()]
            segment = segment[max(segment.rfind("\n"), segment.rfind(","), segment.rfind("{")) + 1 :]
            value_level = parent + _QUOTED.sub("", segment).count(".") + 1
            if value_level > limit:
                return match.start()
        elif token[0] in "[{":
            for bracket in token:
                level = value_level if not stack or stack[-1][0] == "{" else parent + 1
                stack.append((bracket, parent))
                parent = level
                if parent > limit:
                    return match.start()
        elif token in "]}":
            if stack:
                _bracket, parent = stack.pop()
            if not stack:
                parent = base
        key_from = match.end()
    return None


def _at_line_start(text: str, position: int) -> bool:
    return position == 0 or text[position - 1] == "\n"
