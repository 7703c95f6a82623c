"""Copy the npm packages the app serves into the app: Swagger UI for ``/api/docs/``.

Run by ``make assets`` (part of ``make run`` and ``make test``) and by azd's prepackage hook,
as ``python -m tools.vendor_assets``. The copies are build output, ignored by git."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from shared.web.api_docs import VENDOR, VENDORED

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "swagger-ui-dist"


def main() -> int:
    if not SOURCE.is_dir():
        print(f"{SOURCE} is missing: run npm ci first", file=sys.stderr)
        return 1
    VENDOR.mkdir(exist_ok=True)
    for name in VENDORED:
        shutil.copyfile(SOURCE / name, VENDOR / name)
    print(f"copied swagger-ui-dist {_version()} into {VENDOR.relative_to(ROOT)}")
    return 0


def _version() -> str:
    return json.loads((SOURCE / "package.json").read_text("utf-8"))["version"]


if __name__ == "__main__":
    sys.exit(main())
