"""A Hugging Face Hub-compatible HTTP server on 127.0.0.1, for tests that publish and download.

No package on PyPI serves both sides of the Hub protocol for a local test: ``olah`` is a
read-only mirror of an upstream Hub, and ``hf-local-hub`` is a client for a Go server that its
wheel does not ship. This module implements, with the standard library only, exactly the
endpoints the pinned ``huggingface_hub`` client calls for

- ``HfApi.create_repo``: ``POST /api/repos/create`` (409 when the repo exists);
- ``ModelCard.validate``: ``POST /api/validate-yaml`` (the card's metadata: a YAML mapping,
  a ``model-index`` of the shape the Hub's schema asks for);
- ``HfApi.upload_folder`` / ``create_commit``: ``POST /api/models/{repo}/preupload/{rev}``
  (every file "regular", or "lfs" from ``lfs_threshold`` bytes on), ``POST
  /api/models/{repo}/commit/{rev}`` (the NDJSON header / file / lfsFile / deletedFile lines),
  and for LFS files the batch API ``POST /{repo}.git/info/lfs/objects/batch`` ("basic"
  transfer) plus ``PUT /lfs-upload/{sha256}``;
- ``HfApi.model_info`` / ``repo_info`` and revision resolution: ``GET /api/models/{repo}`` and
  ``GET /api/models/{repo}/revision/{rev}``;
- ``snapshot_download``: ``GET /api/models/{repo}/tree/{rev}[/{path}]`` (recursive listing);
- ``hf_hub_download``: ``HEAD`` and ``GET /{repo}/resolve/{rev}/{path}`` with ``ETag`` (git
  blob id, or the SHA-256 of an LFS file), ``X-Repo-Commit``, ``X-Linked-Etag`` and
  ``X-Linked-Size`` (LFS files), so the client's cache, ``HF_HUB_OFFLINE=1`` and
  ``local_files_only`` behave as they do against the Hub; errors carry ``X-Error-Code``
  (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``) as the client expects.

Commits are real git objects: every file is a git blob (an LFS file a git-lfs pointer blob), a
commit's tree is hashed as ``git write-tree`` would, and the commit id is the SHA-1 of a git
commit object with its parent, so ``revision=<40-hex id>`` pins a snapshot exactly as on the Hub.

With ``hf_xet`` installed, the client uploads files the server marks "lfs" through the Xet
protocol, which this server does not speak: tests of the LFS path set ``HF_HUB_DISABLE_XET``
(``huggingface_hub.constants.HF_HUB_DISABLE_XET = True``). Files below ``lfs_threshold`` (every
file, by default) go inline in the commit and need neither.

Use :func:`serving_hub` (a context manager that also points ``huggingface_hub`` at the server)
or the ``hub_server`` pytest fixture defined here.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n"


def git_blob_id(data: bytes) -> str:
    """The id ``git hash-object`` gives ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class StoredFile:
    """One file of a commit: its git blob id, size, and for LFS files the SHA-256 of the
    content (the blob is then the LFS pointer)."""

    blob_id: str
    size: int
    lfs_sha256: str | None = None


@dataclass
class Commit:
    sha: str
    parent: str | None
    message: str
    timestamp: int
    files: dict[str, StoredFile] = field(default_factory=dict)


@dataclass
class Repo:
    repo_id: str
    private: bool = False
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    created_at: int = field(default_factory=lambda: int(time.time()))

    def resolve(self, revision: str) -> Commit | None:
        """A branch name or a full commit id (as the client sends, URL-decoded)."""
        sha = self.branches.get(revision, revision)
        return self.commits.get(sha)


def _tree_id(objects: dict[str, bytes], files: dict[str, StoredFile], prefix: str = "") -> str:
    """Hash the tree of ``files`` under ``prefix`` as git does; store the tree objects."""
    entries: dict[str, tuple[str, str]] = {}
    for path, stored in files.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        name, sep, _ = rest.partition("/")
        if sep:
            if name not in entries:
                entries[name] = ("40000", _tree_id(objects, files, prefix + name + "/"))
        else:
            entries[name] = ("100644", stored.blob_id)
    # git orders entries by name, a directory as if its name ended in "/".
    ordered = sorted(entries.items(), key=lambda kv: kv[0] + ("/" if kv[1][0] == "40000" else ""))
    body = b"".join(f"{mode} {name}".encode() + b"\0" + bytes.fromhex(oid)
                    for name, (mode, oid) in ordered)
    raw = b"tree %d\0" % len(body) + body
    tree = hashlib.sha1(raw).hexdigest()
    objects[tree] = raw
    return tree


class HubServer:
    """A Hub on ``http://127.0.0.1:<port>`` with repos held in memory.

    Args:
        lfs_threshold: files of at least this many bytes are uploaded through git-lfs (the
            client is told so by the preupload answer); ``None`` sends every file inline.

    Attributes:
        endpoint: ``http://127.0.0.1:<port>`` (what ``HF_ENDPOINT`` should be).
        requests: ``(method, path)`` of every request served, in order.
    """

    def __init__(self, lfs_threshold: int | None = None) -> None:
        self.lfs_threshold = lfs_threshold
        self.repos: dict[str, Repo] = {}
        self.blobs: dict[str, bytes] = {}  # git blob id -> content (an LFS file: its pointer)
        self.lfs: dict[str, bytes] = {}  # sha256 -> content
        self.objects: dict[str, bytes] = {}  # trees and commits, for the curious
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.RLock()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.endpoint = ""

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> "HubServer":
        server = self

        class Handler(_HubHandler):
            hub = server

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       name="hub-server", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)
            self.httpd = None

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what tests use directly --------------------------------------------------------------

    def head(self, repo_id: str, branch: str = "main") -> str:
        """The commit id ``branch`` points at."""
        return self.repos[repo_id].branches[branch]

    def content(self, repo_id: str, path: str, revision: str = "main") -> bytes:
        """The bytes served for ``path`` at ``revision``."""
        stored = self.repos[repo_id].resolve(revision).files[path]
        return self._content(stored)

    def tamper(self, repo_id: str, path: str, data: bytes, revision: str = "main") -> None:
        """Replace the bytes stored for ``path`` at ``revision`` without a commit: the commit id,
        the listing and the ``ETag`` stay what they were, as on a storage backend whose object
        was altered or corrupted. Only a hash the client already knows can catch it."""
        with self.lock:
            stored = self.repos[repo_id].resolve(revision).files[path]
            if stored.lfs_sha256 is not None:
                self.lfs[stored.lfs_sha256] = data
            else:
                self.blobs[stored.blob_id] = data

    # -- repository operations ----------------------------------------------------------------

    def _content(self, stored: StoredFile) -> bytes:
        if stored.lfs_sha256 is not None:
            return self.lfs[stored.lfs_sha256]
        return self.blobs[stored.blob_id]

    def create_repo(self, repo_id: str, private: bool = False) -> bool:
        """Create an empty repo; False if it exists."""
        with self.lock:
            if repo_id in self.repos:
                return False
            self.repos[repo_id] = Repo(repo_id, private=private)
            return True

    def commit(self, repo_id: str, branch: str, message: str,
               added: dict[str, StoredFile], deleted: list[str],
               parent_commit: str | None = None) -> Commit:
        with self.lock:
            repo = self.repos[repo_id]
            parent = repo.branches.get(branch)
            if parent_commit is not None and parent_commit != parent:
                raise _HttpError(412, "A commit has happened since. Please refresh and try again.")
            files = dict(repo.commits[parent].files) if parent else {}
            for path in deleted:
                if path.endswith("/"):
                    files = {p: f for p, f in files.items() if not p.startswith(path)}
                else:
                    files.pop(path, None)
            files.update(added)
            tree = _tree_id(self.objects, files)
            timestamp = int(time.time())
            author = f"lsa-keras-test <test@localhost> {timestamp} +0000"
            text = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "") + (
                f"author {author}\ncommitter {author}\n\n{message}\n")
            raw = b"commit %d\0" % len(text.encode()) + text.encode()
            sha = hashlib.sha1(raw).hexdigest()
            self.objects[sha] = raw
            commit = Commit(sha, parent, message, timestamp, files)
            repo.commits[sha] = commit
            repo.branches[branch] = sha
            return commit


class _HttpError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None, body: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}
        self.body = body or {}


class _HubHandler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    server_version = "lsa-keras-test-hub/1"

    def log_message(self, format, *args):  # noqa: A002  (quiet; tests read hub.requests)
        pass

    # -- plumbing ------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), headers=headers)

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        self.hub.requests.append((self.command, url.path))
        try:
            self._route(parts)
        except _HttpError as e:
            headers = dict(e.headers)
            if e.code:
                headers["X-Error-Code"] = e.code
            headers["X-Error-Message"] = e.message
            self._json(e.status, {"error": e.message, **e.body}, headers)

    do_GET = do_HEAD = do_POST = do_PUT = _dispatch

    def _repo(self, repo_id: str) -> Repo:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            raise _HttpError(404, f"Repository {repo_id} not found", "RepoNotFound")
        return repo

    def _commit(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise _HttpError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return commit

    # -- routes --------------------------------------------------------------------------------

    def _route(self, parts: list[str]) -> None:
        m = self.command
        if m == "POST" and parts == ["api", "repos", "create"]:
            return self._create_repo()
        if m == "POST" and parts == ["api", "validate-yaml"]:
            return self._validate_yaml()
        if m == "PUT" and len(parts) == 2 and parts[0] == "lfs-upload":
            return self._lfs_put(parts[1])
        if parts[:2] == ["api", "models"] and len(parts) >= 4:
            repo_id, rest = "/".join(parts[2:4]), parts[4:]
            if m == "GET" and not rest:
                return self._model_info(repo_id, "main")
            if m == "GET" and rest[0] == "revision" and len(rest) == 2:
                return self._model_info(repo_id, rest[1])
            if m == "GET" and rest[0] == "tree" and len(rest) >= 2:
                return self._tree(repo_id, rest[1], "/".join(rest[2:]))
            if m == "POST" and rest[0] == "preupload" and len(rest) == 2:
                return self._preupload(repo_id, rest[1])
            if m == "POST" and rest[0] == "commit" and len(rest) == 2:
                return self._create_commit(repo_id, rest[1])
            if rest[0] == "xet-write-token":
                raise _HttpError(501, "This test Hub does not speak Xet: set HF_HUB_DISABLE_XET=1 "
                                      "to upload LFS files through the LFS batch API.")
        if (m == "POST" and len(parts) == 6 and parts[1].endswith(".git")
                and parts[2:] == ["info", "lfs", "objects", "batch"]):
            return self._lfs_batch(f"{parts[0]}/{parts[1][:-4]}")
        if m in ("GET", "HEAD") and len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]))
        raise _HttpError(404, f"{m} {self.path}: not an endpoint of this test Hub")

    def _create_repo(self) -> None:
        payload = json.loads(self._body() or b"{}")
        if payload.get("type") not in (None, "model"):
            raise _HttpError(400, "This test Hub holds model repos only.")
        if not payload.get("organization"):
            raise _HttpError(400, "Give the repo id as 'org/name'.")
        repo_id = f"{payload['organization']}/{payload['name']}"
        if not self.hub.create_repo(repo_id, private=payload.get("visibility") == "private"):
            # The Hub's answer names the repo too; the client reads it under exist_ok=True.
            raise _HttpError(409, "You already created this model repo",
                             body={"url": f"{self.hub.endpoint}/{repo_id}"})
        self._json(200, {"url": f"{self.hub.endpoint}/{repo_id}", "name": repo_id})

    def _validate_yaml(self) -> None:
        """``ModelCard.validate``: the front matter must be a YAML mapping, and a
        ``model-index`` must have the shape the Hub's metadata schema asks for."""
        import yaml

        content = json.loads(self._body()).get("content", "")
        if not content.startswith("---\n"):
            return self._send(200, b"{}")  # no metadata, nothing to check
        front = content[4:].split("\n---", 1)[0]
        try:
            meta = yaml.safe_load(front)
        except yaml.YAMLError as e:
            return self._send(400, f"Invalid YAML in the card's metadata: {e}".encode(),
                              "text/plain")
        problems = []
        if not isinstance(meta, dict):
            problems.append("the metadata must be a YAML mapping")
        else:
            for model in meta.get("model-index") or []:
                if not isinstance(model, dict) or not model.get("name"):
                    problems.append("model-index entries need a name")
                    continue
                for result in model.get("results") or []:
                    if not (result.get("task") or {}).get("type"):
                        problems.append("model-index results need task.type")
                    for metric in result.get("metrics") or []:
                        if "type" not in metric or "value" not in metric:
                            problems.append("model-index metrics need type and value")
        if problems:
            return self._send(400, ("; ".join(problems)).encode(), "text/plain")
        self._send(200, b"{}")

    def _model_info(self, repo_id: str, revision: str) -> None:
        repo = self._repo(repo_id)
        if revision == "main" and "main" not in repo.branches:  # an empty repo
            commit = None
        else:
            commit = self._commit(repo, revision)
        files = commit.files if commit else {}
        self._json(200, {
            "id": repo_id, "_id": repo_id, "author": repo_id.split("/")[0],
            "sha": commit.sha if commit else None, "private": repo.private, "disabled": False,
            "gated": False, "library_name": None, "tags": [], "downloads": 0, "likes": 0,
            "createdAt": _iso(repo.created_at),
            "lastModified": _iso(commit.timestamp if commit else repo.created_at),
            "siblings": [{"rfilename": p} for p in sorted(files)],
        })

    def _tree(self, repo_id: str, revision: str, path: str) -> None:
        repo = self._repo(repo_id)
        commit = self._commit(repo, revision)
        recursive = self.query.get("recursive", "false").lower() in ("1", "true")
        prefix = path.rstrip("/") + "/" if path else ""
        if path and path in commit.files:
            raise _HttpError(400, f"{path} is a file, not a folder")
        entries, folders = [], set()
        for p in sorted(commit.files):
            if not p.startswith(prefix):
                continue
            rest = p[len(prefix):]
            segments = rest.split("/")
            for i in range(1, len(segments)):  # the folders on the way
                folder = prefix + "/".join(segments[:i])
                if folder not in folders and (recursive or i == 1):
                    folders.add(folder)
                    entries.append({"type": "directory", "path": folder, "size": 0,
                                    "oid": _tree_id({}, commit.files, folder + "/")})
            if len(segments) > 1 and not recursive:
                continue
            stored = commit.files[p]
            entry = {"type": "file", "path": p, "size": stored.size, "oid": stored.blob_id}
            if stored.lfs_sha256 is not None:
                pointer = self.hub.blobs[stored.blob_id]
                entry["lfs"] = {"oid": stored.lfs_sha256, "size": stored.size,
                                "pointerSize": len(pointer)}
            entries.append(entry)
        if prefix and not entries:
            raise _HttpError(404, f"{path} does not exist at {revision}", "EntryNotFound")
        self._json(200, entries)

    def _preupload(self, repo_id: str, revision: str) -> None:
        repo = self._repo(repo_id)
        revision = unquote(revision)
        current = repo.resolve(revision)
        payload = json.loads(self._body())
        answers = []
        for f in payload["files"]:
            lfs = self.hub.lfs_threshold is not None and f["size"] >= self.hub.lfs_threshold
            stored = current.files.get(f["path"]) if current else None
            oid = None
            if stored is not None:
                oid = stored.lfs_sha256 if stored.lfs_sha256 is not None else stored.blob_id
            answers.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular",
                            "shouldIgnore": False, "oid": oid})
        self._json(200, {"files": answers, "commitOid": current.sha if current else None})

    def _create_commit(self, repo_id: str, revision: str) -> None:
        self._repo(repo_id)
        branch = unquote(revision)
        if branch in self.hub.repos[repo_id].commits:
            raise _HttpError(400, "Commits go to a branch, not to a commit id.")
        header, added, deleted = {}, {}, []
        for line in self._body().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                header = value
            elif key == "file":
                if value.get("encoding", "base64") != "base64":
                    raise _HttpError(400, f"unsupported encoding {value.get('encoding')!r}")
                data = base64.b64decode(value["content"])
                blob = git_blob_id(data)
                with self.hub.lock:
                    self.hub.blobs[blob] = data
                added[value["path"]] = StoredFile(blob, len(data))
            elif key == "lfsFile":
                if value.get("algo", "sha256") != "sha256" or value["oid"] not in self.hub.lfs:
                    raise _HttpError(422, f"LFS object {value['oid']} of {value['path']} was "
                                          "not uploaded.")
                pointer = LFS_POINTER.format(oid=value["oid"], size=value["size"]).encode()
                blob = git_blob_id(pointer)
                with self.hub.lock:
                    self.hub.blobs[blob] = pointer
                added[value["path"]] = StoredFile(blob, value["size"], value["oid"])
            elif key in ("deletedFile", "deletedFolder"):
                deleted.append(value["path"].rstrip("/") + ("/" if key == "deletedFolder" else ""))
            else:
                raise _HttpError(400, f"This test Hub does not handle {key!r} commit lines.")
        message = header.get("summary") or "Commit"
        if header.get("description"):
            message += "\n\n" + header["description"]
        commit = self.hub.commit(repo_id, branch, message, added, deleted,
                                 header.get("parentCommit"))
        self._json(200, {"success": True, "commitOid": commit.sha,
                         "commitUrl": f"{self.hub.endpoint}/{repo_id}/commit/{commit.sha}",
                         "pullRequestUrl": None, "hookOutput": ""})

    def _lfs_batch(self, repo_id: str) -> None:
        self._repo(repo_id)
        payload = json.loads(self._body())
        if payload.get("operation") != "upload":
            raise _HttpError(400, "This test Hub serves LFS files through /resolve, not batch.")
        if "basic" not in payload.get("transfers", ["basic"]):
            raise _HttpError(400, "This test Hub offers the 'basic' LFS transfer only.")
        objects = []
        for obj in payload["objects"]:
            answer = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.hub.lfs:  # already stored: no actions
                answer["actions"] = {"upload": {
                    "href": f"{self.hub.endpoint}/lfs-upload/{obj['oid']}"}}
            objects.append(answer)
        self._send(200, json.dumps({"transfer": "basic", "objects": objects}).encode(),
                   "application/vnd.git-lfs+json")

    def _lfs_put(self, oid: str) -> None:
        data = self._body()
        if hashlib.sha256(data).hexdigest() != oid:
            raise _HttpError(400, f"the uploaded content does not hash to {oid}")
        with self.hub.lock:
            self.hub.lfs[oid] = data
        self._send(200)

    def _resolve(self, repo_id: str, revision: str, path: str) -> None:
        repo = self._repo(repo_id)
        commit = self._commit(repo, revision)
        stored = commit.files.get(path)
        if stored is None:
            raise _HttpError(404, f"{path} does not exist at {revision}", "EntryNotFound",
                             {"X-Repo-Commit": commit.sha})
        data = self.hub._content(stored)
        headers = {"X-Repo-Commit": commit.sha, "Accept-Ranges": "bytes",
                   "Last-Modified": formatdate(commit.timestamp, usegmt=True)}
        if stored.lfs_sha256 is not None:
            # The Hub answers with a redirect to its CDN; serving the bytes here with the same
            # headers (the linked ETag is the content's SHA-256) is what the client needs.
            headers.update({"ETag": f'"{stored.blob_id}"',
                            "X-Linked-Etag": f'"{stored.lfs_sha256}"',
                            "X-Linked-Size": str(stored.size)})
        else:
            headers["ETag"] = f'"{stored.blob_id}"'
        status = 200
        byte_range = self.headers.get("Range")
        if byte_range and byte_range.startswith("bytes=") and self.command == "GET":
            start_text, _, end_text = byte_range[len("bytes="):].partition("-")
            start = int(start_text or 0)
            end = int(end_text) if end_text else len(data) - 1
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            data, status = data[start:end + 1], 206
        self._send(status, data, "application/octet-stream", headers)


def _iso(timestamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(timestamp))


@contextlib.contextmanager
def serving_hub(monkeypatch: pytest.MonkeyPatch, lfs_threshold: int | None = None
                ) -> Iterator[HubServer]:
    """Start a :class:`HubServer` and point ``huggingface_hub`` at it for the test.

    ``HF_ENDPOINT`` is set for subprocesses; the constants ``huggingface_hub`` read from it when
    it was imported (the endpoint, the download URL template and the hosts it trusts with
    redirects) are patched for this process. No token is needed: the server accepts any.
    """
    from huggingface_hub import constants

    with HubServer(lfs_threshold=lfs_threshold) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                            hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(constants, "HF_URL_HOSTS", constants.HF_URL_HOSTS | {"127.0.0.1"})
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        yield hub


@pytest.fixture
def hub_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """A fresh test Hub for one test, ``huggingface_hub`` pointed at it (see :func:`serving_hub`).

    Import it into a test module (``from tests.hub_server import hub_server``) to use it."""
    with serving_hub(monkeypatch) as hub:
        yield hub


__all__ = ["HubServer", "git_blob_id", "hub_server", "serving_hub"]
