"""A real S3-compatible server for the object storage tests: moto in server mode on 127.0.0.1 (a free port),
started once per test session and stopped at its end. Clients reach it through the environment only, as a
user's would: AWS_ENDPOINT_URL and test credentials that the tests then look for in every output and log.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest
from s3_credentials import KEY_ID, SECRET


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    pytest.importorskip("moto.server", reason="the S3 tests need moto[server] (dev extra)")
    pytest.importorskip("s3fs", reason="object storage needs the cloud extra: pip install 'mgll-data[cloud]'")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "moto server did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Bucket:
    name: str
    env: dict[str, str]

    def url(self, key: str = "") -> str:
        return f"s3://{self.name}/{key}".rstrip("/")

    @property
    def fs(self):
        import s3fs

        return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False)


@pytest.fixture
def bucket(s3_endpoint, monkeypatch) -> Bucket:
    """A fresh bucket; the environment (this process's and `bucket.env` for children) points at the server."""
    env = {
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    created = Bucket(f"mgll-{uuid.uuid4().hex[:10]}", env)
    created.fs.mkdir(created.name)
    return created
