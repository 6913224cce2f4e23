"""`python -m bot.plugins.rasa_main run ...`: `rasa run` with its HTTP API on.

The token comes from the environment (RASA_API_TOKEN, set by the launcher), so
it never shows in the process list as a command-line argument would.
"""

from __future__ import annotations

import os
import sys

TOKEN_VARIABLE = "RASA_API_TOKEN"  # noqa: S105 - the name, not the token


def main() -> None:
    from rasa.__main__ import main as rasa_main

    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        sys.exit(f"{TOKEN_VARIABLE} is not set; start Rasa through `smartcity run`")
    # One argument with "=": a token that starts with "-" (token_urlsafe makes
    # those) would otherwise read as an option, and Rasa would not start.
    sys.argv = [sys.argv[0], *sys.argv[1:], "--enable-api", f"--auth-token={token}"]
    rasa_main()


if __name__ == "__main__":
    main()
