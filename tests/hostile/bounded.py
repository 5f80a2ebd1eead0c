"""Run a Python child process and measure its wall time and its own peak memory.

``os.wait4`` returns the resource usage of exactly that child (``RUSAGE_CHILDREN`` would mix in
every earlier child of the test process). An address-space limit keeps a regression from taking
the machine down with it: it fails the test with a MemoryError instead.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 10.0
MEMORY_LIMIT_MB = 500.0
_ADDRESS_SPACE_CAP = 4 * 1024**3  # far above the assertion; only stops a runaway child
_KILL_AFTER_S = 60.0


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_ADDRESS_SPACE_CAP, _ADDRESS_SPACE_CAP))


def run_python(args: list[str]) -> Run:
    """``python ARGS`` in the repository, with the wall time and the child's peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *args], cwd=REPO_ROOT, env=env, stdout=out, stderr=err, preexec_fn=_limit_child
        )
        killer = threading.Timer(_KILL_AFTER_S, child.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            code=child.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=seconds,
            peak_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        )


# A child that loads one file through the library's public entry points: exit 2 with the
# message on stdout for a CostModelError, exit 0 with "loaded" otherwise; anything else is a
# traceback on stderr (and exit 1).
LOAD_SCRIPT = """
import sys
from pathlib import Path
from calculator.errors import CostModelError
from calculator.io import price_metadata_from_bytes, price_table_from_bytes, scenario_from_bytes
path = Path(sys.argv[1])
data = path.read_bytes()
loader = {".toml": price_metadata_from_bytes, ".json": scenario_from_bytes}.get(path.suffix, price_table_from_bytes)
try:
    loader(data, path.name)
except CostModelError as exc:
    print(exc)
    sys.exit(2)
print("loaded")
"""


def assert_refused_in_bounds(run: Run, message_stream: str = "stdout") -> str:
    """Exit 2, one sentence, no traceback, within the time and memory limits; returns the message."""
    text = run.stdout if message_stream == "stdout" else run.stderr
    assert "Traceback" not in run.stderr + run.stdout, run.stderr[-2000:]
    assert run.code == 2, (run.code, run.stdout[-500:], run.stderr[-500:])
    lines = text.strip().splitlines()
    assert len(lines) == 1, lines
    message = lines[0]
    assert message.endswith("."), message
    assert run.seconds < TIME_LIMIT_S, f"{run.seconds:.1f} s"
    assert run.peak_mb < MEMORY_LIMIT_MB, f"{run.peak_mb:.0f} MB"
    return message
