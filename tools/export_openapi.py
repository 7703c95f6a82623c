"""Print the app's OpenAPI document (``GET /api/openapi.json``) without running the app:
``make api-client`` turns it into the console's typed client (console/src/api/schema.d.ts)."""

from __future__ import annotations

import json
import sys

from triggers.openapi import document


def main() -> int:
    json.dump(document(), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
