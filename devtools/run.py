"""Run the site, the delivery worker and the mail catcher together (bin/dev).

Each process's output is shown with its name in front; Ctrl-C, or any one of
them stopping, stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

WEB_PORT = int(os.environ.get("PORT", "5000"))
MAIL_SMTP_PORT = 1025
MAIL_WEB_PORT = 1080
PARTNER_PORT = 8001

COLOURS = {"web": 34, "worker": 35, "mail": 33, "partner": 36}


def processes() -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        ("mail", [python, "-m", "devtools.mailcatcher", "--smtp-port", str(MAIL_SMTP_PORT),
                  "--http-port", str(MAIL_WEB_PORT)]),
        ("web", [python, "-m", "flask", "--app", "wsgi", "run", "--debug", "--port", str(WEB_PORT)]),
        ("worker", [python, "-m", "flask", "--app", "wsgi", "worker"]),
        ("partner", [python, "-m", "devtools.partner_blog", "--port", str(PARTNER_PORT),
                     "--site", f"http://127.0.0.1:{WEB_PORT}"]),
    ]  # fmt: skip


def _pump(name: str, stream) -> None:
    colour = COLOURS.get(name, 37)
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"\033[{colour}m{name:>7} |\033[0m {line}")
        sys.stdout.flush()


def main() -> int:
    env = {
        **os.environ,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(MAIL_SMTP_PORT),
        "SITE_URL": os.environ.get("SITE_URL", f"http://127.0.0.1:{WEB_PORT}"),
        "PYTHONUNBUFFERED": "1",
    }
    running: list[tuple[str, subprocess.Popen]] = []
    for name, command in processes():
        # Own process group each: Flask's reloader runs a child of its own.
        child = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=_pump, args=(name, child.stdout), daemon=True).start()
        running.append((name, child))

    print(
        f"\n  The site:        http://127.0.0.1:{WEB_PORT}/c/mp-expenses\n"
        f"  Every email:     http://127.0.0.1:{MAIL_WEB_PORT}\n"
        f"  A partner blog:  http://127.0.0.1:{PARTNER_PORT} (the widget, embedded)\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    stopping = threading.Event()
    # Handle SIGINT ourselves: a shell starts background jobs with it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.is_set():
        for name, child in running:
            if child.poll() is not None:
                print(f"{name} stopped (exit {child.returncode}); stopping the rest", flush=True)
                stopping.set()
        stopping.wait(0.3)
    print("stopping ...", flush=True)
    for _, child in running:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for _, child in running:
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
