"""lib.memory: memory freed between blocks that stay alive goes back to the system."""

import subprocess
import sys
from pathlib import Path

import pytest

from lib.memory import release_freed_memory

ROOT = Path(__file__).resolve().parent.parent

#: 200 blocks of 1 MiB with a small block kept alive after each, then the large ones freed:
#: the heap cannot shrink past the small blocks. Prints the resident MiB after freeing and
#: after the release (or after nothing, the negative control).
FRAGMENT = """
import sys
from pathlib import Path
import numpy as np
from lib.memory import release_freed_memory

def resident_mib():
    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(l for l in status if l.startswith("VmRSS:")).split()[1]) // 1024

first = np.ones(1 << 18, np.float32); del first  # glibc now serves 1 MiB from the heap
large, small = [], []
for _ in range(200):
    large.append(np.ones(1 << 18, np.float32))
    small.append(np.ones(64, np.float32))
del large
freed = resident_mib()
if sys.argv[1] == "release":
    assert release_freed_memory()
print(freed, resident_mib())
"""


def _resident_after(what: str) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", FRAGMENT, what], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.skipif(not (sys.platform.startswith("linux") and release_freed_memory()),
                    reason="malloc_trim is glibc's (Linux)")
def test_freed_blocks_between_live_ones_go_back_to_the_system():
    freed, released = _resident_after("release")
    assert freed - released > 150, f"{freed} MiB after freeing, {released} MiB after the release"
    # Negative control: without the release the 200 MiB stay with the process.
    freed, kept = _resident_after("nothing")
    assert freed - kept < 20, f"{freed} MiB after freeing, {kept} MiB without a release"


def test_release_says_whether_it_could():
    assert release_freed_memory() in (True, False)
    assert release_freed_memory() is release_freed_memory()  # the same answer every time
