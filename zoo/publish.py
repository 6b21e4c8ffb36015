"""Publish locally built zoo folders to the Hugging Face Hub and pin them in the registry.

    python -m lsa_keras.zoo.publish --dataset mnist [--classes ...] [--zoo-dir DIR] [--token T]

Each ``<zoo-dir>/<dataset>-<class>/`` is uploaded to the registry's ``repo_id`` (created if
needed); the registry then records the commit as the pinned ``revision`` and the SHA-256 of
every file, which ``from_pretrained`` checks on every load.
"""

import argparse
import os
import sys

from lsa_keras import pretrained, zoo


def publish(name, folder, token=None, private=False):
    """Upload one folder; return the registry fields to record."""
    from huggingface_hub import HfApi

    missing = [n for n in pretrained.MODEL_FILES if not os.path.isfile(os.path.join(folder, n))]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}; build it first with "
                                "python -m lsa_keras.zoo.build.")
    entry = zoo.entry(name)
    files = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
    api = HfApi(token=token, library_name=pretrained.LIBRARY_NAME)
    api.create_repo(entry["repo_id"], private=private, exist_ok=True)
    info = api.upload_folder(repo_id=entry["repo_id"], folder_path=folder,
                             allow_patterns=list(pretrained.MODEL_FILES),
                             commit_message=f"lsa_keras zoo: {name}")
    return {"revision": info.oid, "files": files}


def main(argv=None):
    p = argparse.ArgumentParser(description="Publish a dataset's zoo folders to the Hub.")
    p.add_argument("--dataset", required=True, choices=["mnist", "cifar10"])
    p.add_argument("--classes", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--zoo-dir", default=None)
    p.add_argument("--token", default=None, help="Hub token (default: the saved login)")
    p.add_argument("--private", action="store_true")
    args = p.parse_args(argv)
    models = zoo.load_registry()
    for c in args.classes:
        name = f"{args.dataset}-{c}"
        fields = publish(name, os.path.join(zoo.zoo_dir(args.zoo_dir), name), args.token,
                         args.private)
        models[name].update(fields)
        zoo.save_registry(models)  # after every upload, so a failure loses nothing done
        print(f"{name}: {models[name]['repo_id']}@{fields['revision']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
