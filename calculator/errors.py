"""One exception family for everything the calculator can reject.

The app catches :class:`CostModelError` and shows ``str(error)``; the command line prints it
on one line and exits 2. So every message is a plain sentence that names the file, the row or
field, what was expected and what was found.
"""

from __future__ import annotations

__all__ = ["AnalysisError", "CostModelError", "InputError"]

_FOUND_MAX = 60


def describe_found(value: object) -> str:
    """Short, printable description of an offending value for an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= _FOUND_MAX else value[: _FOUND_MAX - 1] + "…"
        return repr(shown) if shown else "an empty value"
    if isinstance(value, int) and abs(value) > 10**_FOUND_MAX:
        return "a number too large to use"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    text = str(value)
    return text if len(text) <= _FOUND_MAX else text[: _FOUND_MAX - 1] + "…"


def _printable(text: str) -> str:
    """Keep a message on one line whatever names the input used (e.g. a key with a newline)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class CostModelError(Exception):
    """Base class: anything the calculator rejects as input or cannot compute."""


class InputError(CostModelError):
    """Invalid input: a file, a row or a field that breaks a rule of SPEC §3.

    Built from the offending values so the message always says where, what was expected and
    what was found:

    >>> str(InputError("plan.json", "insurance.coinsurance", "a number from 0 to 1", 1.3))
    'plan.json: insurance.coinsurance: expected a number from 0 to 1, found 1.3.'
    """

    def __init__(
        self,
        source: str,
        where: str,
        expected: str,
        found: object = None,
        *,
        found_text: str | None = None,
    ) -> None:
        self.source = _printable(source)
        self.where = _printable(where)
        self.expected = expected
        self.found = found_text if found_text is not None else describe_found(found)
        location = f"{self.source}: {self.where}" if self.where else self.source
        super().__init__(f"{location}: expected {expected}, found {self.found}.")
        # Loaders that check many rows or fields put every problem here (the first is the message).
        self.problems: list[str] = [str(self)]

    @classmethod
    def from_problems(cls, problems: list[InputError]) -> InputError:
        """One error for a file with several problems: the message is the first problem (with
        "and N more problems" appended), ``.problems`` holds one sentence per problem.

        >>> a = InputError("a.json", "x", "a number", "1")
        >>> b = InputError("a.json", "y", "text", 2)
        >>> error = InputError.from_problems([a, b])
        >>> str(error)
        "a.json: x: expected a number, found '1' (and 1 more problem)."
        >>> error.problems
        ["a.json: x: expected a number, found '1'.", 'a.json: y: expected text, found 2.']
        """
        first = problems[0]
        if len(problems) == 1:
            return first
        count = len(problems) - 1
        more = f" (and {count} more problem{'s' if count > 1 else ''})"
        error = cls(first.source, first.where, first.expected, found_text=first.found + more)
        error.problems = [p for problem in problems for p in problem.problems]
        return error


class AnalysisError(CostModelError):
    """A valid input that asks for an analysis that cannot be done (e.g. a break-even on a
    number with no range)."""
