"""A local fake of the Hub's HTTP API, enough for `HfApi.create_repo`, `create_branch`, `upload_folder`,
`create_pull_request` and `hf_hub_download` (dataset and model repositories): the real client talks to it over
real sockets on 127.0.0.1.

Why a server and not mocks: push's promises (one line per failure, resume after a dropped connection, nothing
local changed on failure) are about what happens on the wire, so the tests exercise the client's own retry
and error paths. Files are answered as "regular" by the preupload endpoint, so commits carry them inline
(no Xet storage to fake). Faults are injected per endpoint: `drop` closes the connection without an answer,
`fail` answers with a status code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

TOKEN = "hf_fake_write_token"
_REPO = r"/api/(?:datasets|models)/(?P<repo>[^/]+/[^/]+)"
ROUTES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("create", "POST", re.compile(r"/api/repos/create")),
    ("validate_yaml", "POST", re.compile(r"/api/validate-yaml")),
    ("branch", "POST", re.compile(_REPO + r"/branch/(?P<rev>.+)")),
    ("tree", "GET", re.compile(_REPO + r"/tree/(?P<rev>[^/]+)(?:/.*)?")),
    ("preupload", "POST", re.compile(_REPO + r"/preupload/(?P<rev>.+)")),
    ("commit", "POST", re.compile(_REPO + r"/commit/(?P<rev>.+)")),
    ("revision", "GET", re.compile(_REPO + r"/revision/(?P<rev>.+)")),
    ("discussion", "POST", re.compile(_REPO + r"/discussions")),
    ("discussion_details", "GET", re.compile(_REPO + r"/discussions/(?P<num>\d+)")),
    ("resolve", "GET", re.compile(r"(?:/datasets)?/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)")),
    ("resolve", "HEAD", re.compile(r"(?:/datasets)?/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)")),
)
PUBLIC_ROUTES = frozenset({"resolve"})  # downloads from a public repository need no token


@dataclass
class FakeRepo:
    private: bool
    branches: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"main": {}})
    commits: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[str] = field(default_factory=list)


@dataclass
class FakeHub:
    """State of the fake Hub and its fault plan; `url` is the endpoint to give HfApi."""

    url: str = ""
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    drop: dict[str, int] = field(default_factory=dict)
    fail: dict[str, tuple[int, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        return self.repos[repo_id].branches[revision]


def _oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _reply(self, status: int, body: Any, error_code: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error_code:
            self.send_header("X-Error-Code", error_code)
            self.send_header("X-Error-Message", body.get("error", ""))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def _route(self, method: str) -> None:
        path = unquote(urlsplit(self.path).path)
        found = next(
            ((name, match) for name, verb, pattern in ROUTES if verb == method and (match := pattern.fullmatch(path))),
            None,
        )
        if found is None:
            self._body()
            self._reply(404, {"error": f"fake hub: no route {method} {path}"})
            return
        name, match = found
        body = self._body()
        hub = self.hub
        with hub.lock:
            hub.calls.append(name)
            if hub.drop.get(name, 0) > 0:
                hub.drop[name] -= 1
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status_count = hub.fail.get(name)
            if status_count and status_count[1] > 0:
                hub.fail[name] = (status_count[0], status_count[1] - 1)
                self._reply(status_count[0], {"error": f"fake hub: injected {status_count[0]}"})
                return
        if name not in PUBLIC_ROUTES and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(401, {"error": "Invalid credentials in Authorization header"})
            return
        getattr(self, f"_{name}")(match, query=urlsplit(self.path).query, body=body)

    def _repo(self, match: re.Match[str]) -> FakeRepo | None:
        repo = self.hub.repos.get(match["repo"])
        if repo is None:
            self._reply(404, {"error": "Repository not found"}, "RepoNotFound")
        return repo

    def _create(self, match: re.Match[str], query: str, body: bytes) -> None:
        payload = json.loads(body)
        repo_id = f"{payload['organization']}/{payload['name']}"
        url = f"{self.hub.url}/{'datasets/' if payload.get('type') == 'dataset' else ''}{repo_id}"
        if repo_id in self.hub.repos:
            self._reply(409, {"error": "You already created this dataset repo", "url": url})
            return
        self.hub.repos[repo_id] = FakeRepo(private=payload.get("visibility") == "private")
        self._reply(200, {"url": url, "name": repo_id})

    def _validate_yaml(self, match: re.Match[str], query: str, body: bytes) -> None:
        content = json.loads(body)["content"]
        front = content.split("---\n")[1] if content.startswith("---\n") else ""
        if not isinstance(yaml.safe_load(front), dict):
            self._reply(400, {"error": "README.md: no YAML metadata"})
            return
        self._reply(200, {"warnings": []})

    def _branch(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        if match["rev"] in repo.branches:
            self._reply(409, {"error": "Reference already exists"})
            return
        repo.branches[match["rev"]] = dict(repo.branches["main"])
        self._reply(200, {})

    def _tree(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        files = repo.branches.get(match["rev"])
        if files is None:
            self._reply(404, {"error": "Revision not found"}, "RevisionNotFound")
            return
        entries = [{"type": "file", "path": p, "size": len(d), "oid": _oid(d)} for p, d in sorted(files.items())]
        self._reply(200, entries)

    def _preupload(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        files = repo.branches.get(match["rev"], {})
        answer = [
            {
                "path": f["path"],
                "uploadMode": "regular",
                "shouldIgnore": False,
                "oid": _oid(files[f["path"]]) if f["path"] in files else None,
            }
            for f in json.loads(body)["files"]
        ]
        self._reply(200, {"files": answer})

    def _commit(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        files = repo.branches.get(match["rev"])
        if files is None:
            self._reply(404, {"error": f"Invalid rev id: {match['rev']}"}, "RevisionNotFound")
            return
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(line["value"] for line in lines if line["key"] == "header")
        for line in lines:
            if line["key"] == "file":
                files[line["value"]["path"]] = base64.b64decode(line["value"]["content"])
            elif line["key"] == "deletedFile":
                files.pop(line["value"]["path"], None)
        oid = f"{len(repo.commits) + 1:040x}"
        repo.commits.append({"revision": match["rev"], "summary": header["summary"], "oid": oid})
        url = f"{self.hub.url}/datasets/{match['repo']}/commit/{oid}"
        self._reply(200, {"commitUrl": url, "commitOid": oid, "pullRequestUrl": None})

    def _revision(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        commits = [c for c in repo.commits if c["revision"] == match["rev"]]
        self._reply(
            200,
            {
                "_id": match["repo"],
                "id": match["repo"],
                "sha": commits[-1]["oid"] if commits else "0" * 40,
                "private": repo.private,
                "siblings": [{"rfilename": path} for path in sorted(repo.branches.get(match["rev"], {}))],
            },
        )

    def _resolve(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        data = repo.branches.get(match["rev"], {}).get(match["path"])
        if data is None:
            self._reply(404, {"error": "Entry not found"}, "EntryNotFound")
            return
        commits = [c for c in repo.commits if c["revision"] == match["rev"]]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", f'"{_oid(data)}"')
        self.send_header("X-Repo-Commit", commits[-1]["oid"] if commits else "0" * 40)
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(data)

    def _discussion(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        ref = f"refs/pr/{len(repo.pulls) + 1}"
        repo.pulls.append(ref)
        repo.branches[ref] = dict(repo.branches["main"])
        self._reply(200, {"num": len(repo.pulls)})

    def _discussion_details(self, match: re.Match[str], query: str, body: bytes) -> None:
        if (repo := self._repo(match)) is None:
            return
        num = int(match["num"])
        self._reply(
            200,
            {
                "num": num,
                "title": "mgll-data",
                "status": "draft",
                "createdAt": "2026-01-01T00:00:00.000Z",
                "author": {"name": "tester"},
                "repo": {"name": match["repo"], "type": "dataset"},
                "isPullRequest": True,
                "changes": {"base": "refs/heads/main"},
                "filesWithConflicts": [],
                "events": [],
                "gitReference": repo.pulls[num - 1],
            },
        )


def start_fake_hub() -> tuple[FakeHub, ThreadingHTTPServer]:
    """Serve a fresh fake Hub on 127.0.0.1 (a free port); the caller shuts the server down."""
    hub = FakeHub()
    handler = type("Handler", (_Handler,), {"hub": hub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return hub, server
