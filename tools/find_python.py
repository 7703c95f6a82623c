"""Print the path of a Python of the version given (``3.13``), or nothing if none runs here.

``make`` asks this for ``PYTHON313``: ``python3.13`` on PATH if it runs (a pyenv shim may not),
else pyenv's newest ``3.13.z``. Usage: ``python3 tools/find_python.py 3.13``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def runs_as(python: str, version: str) -> bool:
    check = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        result = subprocess.run(
            [python, "-c", check], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def candidates(version: str) -> Iterator[str]:
    on_path = shutil.which(f"python{version}")
    if on_path:
        yield on_path
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    release = re.compile(rf"{re.escape(version)}\.(\d+)")  # 3.13.2, not 3.13.2t or 3.13-dev
    builds = [
        (int(match.group(1)), folder)
        for folder in (pyenv_root / "versions").glob(f"{version}.*")
        if (match := release.fullmatch(folder.name))
    ]
    for _, folder in sorted(builds, reverse=True):
        yield str(folder / "bin" / "python")


def main() -> int:
    version = sys.argv[1]
    found = next((python for python in candidates(version) if runs_as(python, version)), "")
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
