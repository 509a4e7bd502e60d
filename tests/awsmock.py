"""A real moto server on loopback, for tests that talk to "AWS" over HTTP.

Terraform and boto3 reach it through AWS_ENDPOINT_URL and test credentials only; nothing in
the configuration under test knows it is a mock.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """Start `moto_server` in a subprocess; `env()` gives the variables a client needs."""

    def __init__(self, *, acm_validation_wait: int = 0) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._acm_validation_wait = acm_validation_wait
        self._proc: subprocess.Popen | None = None

    def start(self) -> "MotoServer":
        server = Path(sys.executable).with_name("moto_server")
        env = {**os.environ, **TEST_CREDENTIALS,
               "MOTO_ACM_VALIDATION_WAIT": str(self._acm_validation_wait)}
        self._proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(self.port)],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._proc.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not answer within 30 s")

    def reset(self) -> None:
        """Forget every resource (moto's own reset API), between tests sharing a server."""
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    def env(self) -> dict[str, str]:
        return {**TEST_CREDENTIALS, "AWS_ENDPOINT_URL": self.url}

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
