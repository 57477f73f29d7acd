"""A real two-node Ray cluster on this machine: `ray start --head` plus one `ray start --address` node, each
with 1 CPU, its own temp dir and its own ports, so several test sessions (or other Ray users) on one machine
never meet. Nodes are stopped by killing exactly the processes they started (never `ray stop`, which ends
every Ray process of the user).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from test_reliability import children  # a process's child pids, from /proc

RAY = Path(sys.executable).with_name("ray")
# Ports Ray would otherwise take from fixed defaults (GCS 6379, client 10001, dashboard 8265, agents 52365...)
PORT_FLAGS = (
    "--node-manager-port",
    "--object-manager-port",
    "--dashboard-agent-listen-port",
    "--dashboard-agent-grpc-port",
    "--metrics-export-port",
    "--runtime-env-agent-port",
)
HEAD_PORT_FLAGS = ("--port", "--ray-client-server-port", "--dashboard-port")
OBJECT_STORE_BYTES = 100 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Node:
    temp_dir: Path
    # Every process ever seen of this node: Ray's agents rename themselves (`ray::DashboardAgent`), so once their
    # raylet is killed nothing left on their command line names the node.
    seen: set[int] = field(default_factory=set)

    def pids(self) -> set[int]:
        """Every live process of this node: those naming its temp dir, their descendants and those seen before."""
        roots = {pid for pid in _all_pids() if str(self.temp_dir) in _cmdline(pid)}
        found, frontier = set(roots), list(roots)
        while frontier:
            found |= (new := children(frontier.pop()) - found)
            frontier.extend(new)
        self.seen |= found
        return {pid for pid in self.seen if _is_ray(pid)}

    def raylet(self) -> int:
        (pid,) = [pid for pid in self.pids() if _cmdline(pid).split("\0", 1)[0].endswith("/raylet")]
        return pid

    def node_id(self) -> str:
        """The Ray node id its raylet was given (what `ray.get_runtime_context().get_node_id()` says in a task)."""
        args = _cmdline(self.raylet()).split("\0")
        return next(arg.split("=", 1)[1] for arg in args if arg.startswith("--node_id="))

    def stop(self) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue


@dataclass
class Cluster:
    address: str
    env: dict[str, str]
    nodes: list[Node] = field(default_factory=list)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        deadline = time.monotonic() + 10
        while any(node.pids() for node in self.nodes) and time.monotonic() < deadline:
            time.sleep(0.2)


def start_cluster(env: dict[str, str], nodes: int = 2) -> Cluster:
    """Start a head and `nodes - 1` worker nodes; the caller stops them (Cluster.stop) whatever happens."""
    port = free_port()
    cluster = Cluster(f"127.0.0.1:{port}", env)  # the head listens on every interface
    try:
        for n in range(nodes):
            node = Node(Path(tempfile.mkdtemp(prefix="mgll-ray-", dir="/tmp")))  # short: socket paths < 108 bytes
            cluster.nodes.append(node)
            command = [
                str(RAY),
                "start",
                "--num-cpus",
                "1",
                "--temp-dir",
                str(node.temp_dir),
                "--disable-usage-stats",
                f"--object-store-memory={OBJECT_STORE_BYTES}",
            ]
            command += [f"{flag}={free_port()}" for flag in PORT_FLAGS]
            if n == 0:
                command += ["--head", "--include-dashboard=false", f"--port={port}"]
                command += [f"{flag}={free_port()}" for flag in HEAD_PORT_FLAGS[1:]]
            else:
                command += [f"--address={cluster.address}"]
            started = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            assert started.returncode == 0, f"{' '.join(command)}:\n{started.stdout[-3000:]}{started.stderr[-3000:]}"
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _all_pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _is_ray(pid: int) -> bool:
    """Alive (not a zombie) and still a Ray process (not a reused pid)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and "ray" in _cmdline(pid)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
