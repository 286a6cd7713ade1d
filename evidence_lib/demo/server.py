"""The embedded AWS endpoint: moto's server on loopback, in this process, extended by moto_gaps.

Clients talk to it over real HTTP with stock boto3; the demo fleet is seeded partly over HTTP and
partly in-process (what moto cannot create), so the seeding must run in the server's process.
"""

from __future__ import annotations

import logging
import os
import threading
from types import TracebackType

from moto.server import ThreadedMotoServer

from evidence_lib.demo import moto_gaps

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class DemoEndpoint:
    """moto's threaded server on 127.0.0.1, with the gap extensions installed.

    Parameters
    ----------
    port : int
        Port to listen on; 0 picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        moto_gaps.install()
        # NOTE: werkzeug logs one INFO line per request through its own handler; keep it quiet.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        self._server.start()
        host, bound = self._server.get_host_and_port()
        self.url = f"http://{host}:{bound}"
        self._stopped = False
        logger.info("demo AWS endpoint listening on %s", self.url)

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        if not self._stopped:
            self._server.stop()
            self._stopped = True
            logger.info("demo AWS endpoint on %s stopped", self.url)

    def __enter__(self) -> DemoEndpoint:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def shell_lines(url: str) -> list[str]:
    """Return the lines a user pastes into a shell to point boto3 at ``url``."""
    return [
        f"export AWS_ENDPOINT_URL={url}",
        "export AWS_ACCESS_KEY_ID=demo",
        "export AWS_SECRET_ACCESS_KEY=demo",
        "export AWS_DEFAULT_REGION=us-east-1",
    ]


def serve_forever(port: int = 0) -> None:
    """Start the endpoint, seed the demo fleet, print how to reach it, block until Ctrl-C.

    Parameters
    ----------
    port : int
        Port to listen on; 0 picks a free one.
    """
    from evidence_lib.demo import seed_demo

    # NOTE: this process only serves the demo; clients made while seeding need credentials.
    for name, value in (("AWS_ACCESS_KEY_ID", "demo"), ("AWS_SECRET_ACCESS_KEY", "demo")):
        os.environ.setdefault(name, value)
    endpoint = DemoEndpoint(port)
    try:
        fleet = seed_demo(endpoint.url)
        print(f"Demo AWS endpoint: {endpoint.url}")
        groups = len(set(fleet.groups.values()))
        print(f"Seeded {groups} replication groups of account {fleet.account_id} (fictional).")
        print("Paste into a shell (or %env lines in a notebook):")
        for line in shell_lines(endpoint.url):
            print(f"  {line}")
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    finally:
        endpoint.stop()
