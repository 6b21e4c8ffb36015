"""Prepare TensorFlow Datasets' own ``mnist`` builder offline, from the original IDX files.

TFDS downloads MNIST's four ``.gz`` files from the URLs it lists in
``tensorflow_datasets/url_checksums/mnist.txt``, with the SHA-256 it records for each. Its
download manager keeps what it downloaded in ``<data_dir>/downloads/``, under a name made of
the URL and that recorded checksum, with a ``.INFO`` file beside it; a file found there is a
cache hit and is not fetched again. Seeding that cache is therefore the way to point TFDS at
files already on disk, and ``download_and_prepare`` then builds the dataset without a network.

The shared copies are not byte-identical to TFDS' files: they were gzip-compressed again (the
compressed bytes, hence the SHA-256, differ), but their uncompressed content is canonical MNIST.
This is legitimate because TFDS reads the files only through ``gzip`` (its MNIST builder parses
the uncompressed IDX bytes): before seeding the cache, every file's uncompressed content is
checked against the canonical MD5 sums (``../shared/datasets/README.md``), so the dataset TFDS
builds is exactly the one it would build from its own download. Each ``.INFO`` file says that
the bytes are such a verified recompression.

Run as ``python -m tests.datasets.tfds_mnist IDX_DIR DATA_DIR`` (``make tfds-mnist``).
"""

import gzip
import hashlib
import json
import os
import shutil
import sys

# MD5 of the uncompressed original MNIST files (../shared/datasets/README.md).
CANONICAL_MD5 = {
    "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}


def uncompressed_md5(path):
    """MD5 hex digest of the gunzipped content of ``path``."""
    digest = hashlib.md5()
    with gzip.open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_idx_files(idx_dir):
    """Check the four ``.gz`` files in ``idx_dir`` against the canonical uncompressed MD5s.

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: a file's uncompressed content is not canonical MNIST.
    """
    for name, expected in CANONICAL_MD5.items():
        path = os.path.join(idx_dir, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} is missing: need the four MNIST IDX .gz files.")
        got = uncompressed_md5(path)
        if got != expected:
            raise ValueError(f"{path} uncompresses to MD5 {got}, not the canonical {expected}: "
                             "not the original MNIST.")


def seed_download_cache(idx_dir, data_dir):
    """Copy the verified IDX files into TFDS' download cache of ``data_dir``, under the names
    TFDS derives from each URL and its recorded SHA-256; returns the paths written."""
    import tensorflow_datasets as tfds
    from tensorflow_datasets.core.download import checksums, resource

    verify_idx_files(idx_dir)
    listing = os.path.join(os.path.dirname(tfds.__file__), "url_checksums", "mnist.txt")
    downloads = os.path.join(data_dir, "downloads")
    os.makedirs(downloads, exist_ok=True)
    written = []
    for url, info in checksums.load_url_infos(listing).items():
        name = url.rsplit("/", 1)[1]
        if name not in CANONICAL_MD5:
            raise ValueError(f"TFDS lists {url}, which is not one of the four MNIST files.")
        target = os.path.join(downloads, resource.get_dl_fname(url, info.checksum))
        shutil.copyfile(os.path.join(idx_dir, name), target)
        with open(target + ".INFO", "w") as f:
            json.dump({
                "urls": [url], "dataset_names": ["mnist"], "original_fname": name,
                "note": (f"not downloaded: a gzip recompression of the original {name}; its "
                         "uncompressed content was verified to have the canonical MD5 "
                         f"{CANONICAL_MD5[name]} (the compressed bytes differ from TFDS' "
                         f"recorded SHA-256 {info.checksum})."),
            }, f, indent=1)
        written.append(target)
    return written


def prepare_tfds_mnist(idx_dir, data_dir):
    """Build TFDS' ``mnist`` into ``data_dir`` from the IDX files in ``idx_dir``, offline.

    Args:
        idx_dir: folder with the four original MNIST ``.gz`` files (``../shared/datasets/mnist``).
        data_dir: the TFDS data folder to prepare (``load_tfds(..., data_dir=data_dir,
            download=False)`` reads it).

    Returns:
        ``data_dir``.
    """
    import tensorflow_datasets as tfds

    seed_download_cache(idx_dir, data_dir)
    builder = tfds.builder("mnist", data_dir=data_dir)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        compute_stats=tfds.download.ComputeStatsMode.SKIP))
    # The gunzipped copies TFDS extracted (55 MB) are no longer needed.
    shutil.rmtree(os.path.join(data_dir, "downloads", "extracted"), ignore_errors=True)
    return data_dir


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tests.datasets.tfds_mnist IDX_DIR DATA_DIR")
    print(f"prepared TFDS mnist in {prepare_tfds_mnist(sys.argv[1], sys.argv[2])}")
