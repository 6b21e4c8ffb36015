"""The test Hub (tests/hub_server.py) speaks the protocol of the pinned huggingface_hub client:
upload with HfApi, download with snapshot_download / hf_hub_download, revision pinning, the
cache and offline mode, over real HTTP on 127.0.0.1."""

import hashlib
import os

import pytest
from huggingface_hub import HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tests.hub_server import git_blob_id, hub_server, serving_hub  # noqa: F401  (fixture)

REPO = "org/tiny"
FILES = {"config.json": b'{"a": 1}\n', "model.weights.h5": bytes(range(256)) * 40,
         "sub/notes.txt": b"hello\n"}


def write_folder(path, files=FILES):
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return path


def read_snapshot(folder):
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            full = os.path.join(root, name)
            out[os.path.relpath(full, folder).replace(os.sep, "/")] = open(full, "rb").read()
    return out


def push(hub_endpoint, folder, repo_id=REPO, message="Upload"):
    api = HfApi(endpoint=hub_endpoint, token=False)
    api.create_repo(repo_id, exist_ok=True)
    return api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message=message)


def test_push_then_download_pinned_cold_then_offline_warm(hub_server, tmp_path, monkeypatch):
    info = push(hub_server.endpoint, write_folder(tmp_path / "src"))
    assert len(info.oid) == 40 and info.oid == hub_server.head(REPO)
    assert HfApi().model_info(REPO).sha == info.oid
    assert HfApi().model_info(REPO, revision=info.oid).siblings[0].rfilename == "config.json"

    cache = str(tmp_path / "cache")
    folder = snapshot_download(REPO, revision=info.oid, cache_dir=cache)
    assert os.path.basename(folder) == info.oid
    assert read_snapshot(folder) == FILES
    served = len(hub_server.requests)

    # Offline, from the warm cache: the same folder, without a single request.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert snapshot_download(REPO, revision=info.oid, cache_dir=cache) == folder
    assert hf_hub_download(REPO, "sub/notes.txt", revision=info.oid, cache_dir=cache) == \
        os.path.join(folder, "sub", "notes.txt")
    assert len(hub_server.requests) == served
    # A revision never downloaded is not in the cache.
    with pytest.raises(LocalEntryNotFoundError):
        snapshot_download(REPO, revision="f" * 40, cache_dir=cache)


def test_branch_download_then_offline_by_branch_name(hub_server, tmp_path, monkeypatch):
    info = push(hub_server.endpoint, write_folder(tmp_path / "src"))
    cache = str(tmp_path / "cache")
    path = hf_hub_download(REPO, "config.json", cache_dir=cache)  # revision "main"
    assert f"/snapshots/{info.oid}/" in path and open(path, "rb").read() == FILES["config.json"]
    # The cache maps refs/main to the commit and stores the blob under its ETag (git blob id).
    repo_cache = os.path.join(cache, "models--org--tiny")
    assert open(os.path.join(repo_cache, "refs", "main")).read() == info.oid
    assert os.path.isfile(os.path.join(repo_cache, "blobs", git_blob_id(FILES["config.json"])))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert hf_hub_download(REPO, "config.json", cache_dir=cache) == path


def test_pinning_survives_a_new_commit_and_unpinned_gets_new_bytes(hub_server, tmp_path):
    first = push(hub_server.endpoint, write_folder(tmp_path / "v1")).oid
    changed = dict(FILES, **{"config.json": b'{"a": 2}\n'})
    second = push(hub_server.endpoint, write_folder(tmp_path / "v2", changed), message="v2").oid
    assert second != first
    cache = str(tmp_path / "cache")
    assert read_snapshot(snapshot_download(REPO, revision=first, cache_dir=cache)) == FILES
    assert read_snapshot(snapshot_download(REPO, cache_dir=cache)) == changed
    # Unchanged files are not committed again: the client compares git blob ids.
    unchanged = push(hub_server.endpoint, tmp_path / "v2", message="again").oid
    assert unchanged == second


def test_tampered_bytes_are_served_under_the_old_etag(hub_server, tmp_path):
    """The server's bytes change, its commit, listing and ETag do not: the client downloads
    them without complaint, so only a hash recorded beforehand (the zoo registry's SHA-256)
    can refuse the file."""
    info = push(hub_server.endpoint, write_folder(tmp_path / "src"))
    recorded = hashlib.sha256(FILES["model.weights.h5"]).hexdigest()
    hub_server.tamper(REPO, "model.weights.h5", b"evil" * 10)
    for revision in (info.oid, None):
        cache = str(tmp_path / f"cache-{revision}")
        path = hf_hub_download(REPO, "model.weights.h5", revision=revision, cache_dir=cache)
        data = open(path, "rb").read()
        assert data == b"evil" * 10 and hashlib.sha256(data).hexdigest() != recorded


def test_errors_are_the_hub_errors(hub_server, tmp_path):
    api = HfApi()
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org/missing")
    info = push(hub_server.endpoint, write_folder(tmp_path / "src"))
    with pytest.raises(RevisionNotFoundError):
        snapshot_download(REPO, revision="0" * 40, cache_dir=str(tmp_path / "c1"))
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "nope.txt", revision=info.oid, cache_dir=str(tmp_path / "c2"))
    with pytest.raises(Exception, match="409|already"):
        api.create_repo(REPO)
    assert str(api.create_repo(REPO, exist_ok=True)).endswith(REPO)


def test_lfs_upload_and_download_without_xet(monkeypatch, tmp_path):
    """Files from lfs_threshold bytes on go through the LFS batch API (the client's path when
    hf_xet is absent or disabled) and are served with their SHA-256 as linked ETag."""
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    with serving_hub(monkeypatch, lfs_threshold=1000) as hub:
        info = push(hub.endpoint, write_folder(tmp_path / "src"))
        assert ("POST", f"/{REPO}.git/info/lfs/objects/batch") in hub.requests
        tree = {f.path: f for f in HfApi().list_repo_tree(REPO, revision=info.oid, recursive=True)}
        weights = FILES["model.weights.h5"]
        assert tree["model.weights.h5"].lfs.sha256 == hashlib.sha256(weights).hexdigest()
        assert tree["config.json"].lfs is None
        cache = str(tmp_path / "cache")
        folder = snapshot_download(REPO, revision=info.oid, cache_dir=cache)
        assert read_snapshot(folder) == FILES
        sha = hashlib.sha256(weights).hexdigest()
        assert os.path.isfile(os.path.join(cache, "models--org--tiny", "blobs", sha))


def test_single_files_deletions_parent_commit_and_patterns(hub_server, tmp_path):
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi()
    api.create_repo(REPO)
    first = api.upload_file(path_or_fileobj=b"abc", path_in_repo="a/b.txt", repo_id=REPO).oid
    api.create_commit(REPO, [CommitOperationAdd("c.txt", b"c"), CommitOperationDelete("a/")],
                      commit_message="swap", parent_commit=first)
    assert [s.rfilename for s in api.model_info(REPO).siblings] == ["c.txt"]
    assert api.file_exists(REPO, "c.txt") and not api.file_exists(REPO, "a/b.txt")
    assert api.repo_exists(REPO) and not api.repo_exists("org/other")
    with pytest.raises(HfHubHTTPError):  # main moved on since `first`
        api.create_commit(REPO, [CommitOperationAdd("d.txt", b"d")], commit_message="late",
                          parent_commit=first)
    folder = snapshot_download(REPO, revision=first, cache_dir=str(tmp_path),
                               allow_patterns=["a/*"])
    assert read_snapshot(folder) == {"a/b.txt": b"abc"}


def test_model_card_metadata_is_validated(hub_server):
    from huggingface_hub import ModelCard
    from huggingface_hub.utils import get_session

    ModelCard("---\nlibrary_name: lsa_keras\nlicense: mit\n---\n# Card\n").validate()
    # What the client would not send itself: a model-index without task types.
    bad = "---\nmodel-index:\n- name: m\n  results:\n  - metrics: []\n---\n"
    response = get_session().post(f"{hub_server.endpoint}/api/validate-yaml",
                                  json={"repoType": "model", "content": bad})
    assert response.status_code == 400 and "task.type" in response.text
