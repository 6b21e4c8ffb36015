"""Images from a folder tree or a tar archive: ``<root>/<class>/*`` or a flat folder, loaded
whole or streamed (decoding: :mod:`lsa_keras.datasets.decoding`)."""

import os
import stat
import tarfile
import zlib

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff")
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")


def is_archive(path):
    return os.path.isfile(path) and str(path).lower().endswith(_ARCHIVE_SUFFIXES)


def _is_image(name):
    return name.lower().endswith(IMAGE_EXTENSIONS) and not os.path.basename(name).startswith(".")


# What read_tree reads into memory at most: one file, and all of them. An image file past the
# first is not an image this package can use (CIFAR-10's are 1-2 KB, a 24-megapixel PNG is
# under 100 MB); the second bounds a whole tree, archives whose few megabytes expand to
# gigabytes included. A folder streamed with as_dataset=True has no total limit.
MAX_FILE_BYTES = 128 * 2**20
MAX_TOTAL_BYTES = 8 * 2**30


def _too_large(what, size, limit, constant):
    return ValueError(
        f"{what} is {size / 2**20:.0f} MiB, more than the {limit / 2**20:.0f} MiB images are "
        f"read up to ({constant}); remove it, or raise "
        f"lsa_keras.datasets.image_folder.{constant} if it really is wanted."
    )


def read_tree(source, max_file_bytes=None, max_total_bytes=None):
    """Encoded image files under a folder or in a tar archive.

    Only regular files are read (in an archive: no links, devices or FIFOs; in a folder, a
    symlink is followed to a regular file), and each file's size is checked before it is read.

    Args:
        source: a folder, or a ``.tar``/``.tar.gz``/``.tgz`` file.
        max_file_bytes: the largest image file read (an archive member's declared size);
            default :data:`MAX_FILE_BYTES`.
        max_total_bytes: the most read from all the files together; default
            :data:`MAX_TOTAL_BYTES`.

    Returns:
        dict from the POSIX path relative to ``source`` to the file's bytes, sorted by path.

    Raises:
        FileNotFoundError: ``source`` does not exist.
        ValueError: the archive is truncated or corrupt, a member's path is absolute or
            climbs out with ``..``, or a file is larger than the limits (naming it).
    """
    source = os.fspath(source)
    max_file_bytes = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    max_total_bytes = MAX_TOTAL_BYTES if max_total_bytes is None else max_total_bytes
    total = 0
    if is_archive(source):
        files = {}
        try:
            with tarfile.open(source, "r:*") as tar:
                for member in tar:
                    if not (member.isfile() and _is_image(member.name)):
                        continue
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    parts = name.split("/")
                    if name.startswith("/") or ".." in parts:
                        raise ValueError(
                            f"{source}: the member {member.name!r} has an absolute path or "
                            "'..' in it; image archives hold paths relative to their root. "
                            "Repack the archive."
                        )
                    what = f"{source}: the member {member.name!r}"
                    if member.size > max_file_bytes:
                        raise _too_large(what, member.size, max_file_bytes, "MAX_FILE_BYTES")
                    total += member.size
                    if total > max_total_bytes:
                        raise _too_large(f"{source} (up to {member.name!r})", total,
                                         max_total_bytes, "MAX_TOTAL_BYTES")
                    files[name] = tar.extractfile(member).read()
        except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
            raise ValueError(
                f"{source} is truncated or not a valid tar archive ({type(e).__name__}: {e}). "
                "Download it again, or extract it and pass the folder."
            ) from e
        return dict(sorted(files.items()))
    files = {}
    for name, path, size in list_image_files(source, max_file_bytes):
        total += size
        if total > max_total_bytes:
            raise _too_large(f"{source} (up to {path})", total, max_total_bytes,
                             "MAX_TOTAL_BYTES")
        files[name] = read_image_file(path, max_file_bytes)
    return files


def list_image_files(folder, max_file_bytes=None):
    """The image files under ``folder``, without reading them.

    A symlink is followed to a regular file; anything else (a FIFO, a device, a dangling link)
    is refused, since reading it would block or fail.

    Returns:
        list of ``(name, path, size)``: the POSIX path relative to ``folder``, the path and the
        size in bytes, sorted by name.

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: an entry that is not a regular file, or a file over ``max_file_bytes``
            (default :data:`MAX_FILE_BYTES`).
    """
    folder = os.fspath(folder)
    max_file_bytes = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"No such folder or tar archive: {folder!r}.")
    found = []
    for parent, dirs, names in os.walk(folder):
        dirs.sort()
        for name in names:
            if not _is_image(name):
                continue
            path = os.path.join(parent, name)
            try:
                info = os.stat(path)
            except OSError as e:  # a dangling symlink
                raise ValueError(f"{path} cannot be read ({e.strerror}); remove it.") from e
            if not stat.S_ISREG(info.st_mode):
                # A FIFO or a device would block or never end.
                raise ValueError(f"{path} is not a regular file; remove it from the image "
                                 "folder.")
            if info.st_size > max_file_bytes:
                raise _too_large(path, info.st_size, max_file_bytes, "MAX_FILE_BYTES")
            found.append((os.path.relpath(path, folder).replace(os.sep, "/"), path,
                          info.st_size))
    return sorted(found)


def read_image_file(path, max_file_bytes=None):
    """The bytes of one image file, refused past ``max_file_bytes`` (default
    :data:`MAX_FILE_BYTES`) even if it grew after it was listed."""
    max_file_bytes = MAX_FILE_BYTES if max_file_bytes is None else max_file_bytes
    try:
        with open(path, "rb") as f:
            data = f.read(max_file_bytes + 1)
    except OSError as e:
        raise ValueError(f"{path} cannot be read ({e.strerror or e}); remove or replace it.") \
            from e
    if len(data) > max_file_bytes:
        raise _too_large(path, len(data), max_file_bytes, "MAX_FILE_BYTES")
    return data


def folder_layout(names, root):
    """Labels from image names relative to ``root``: ``(labels, class_names)``, int32 indices
    into the sorted class folders for ``<class>/<image>``, ``(None, [])`` for a flat folder.

    Raises:
        ValueError: no images, or images at several folder depths.
    """
    if not names:
        raise ValueError(
            f"No images ({', '.join(IMAGE_EXTENSIONS)}) in {os.fspath(root)!r}: expected "
            "<root>/<class>/<image> or <root>/<image>."
        )
    depths = {name.count("/") for name in names}
    if depths == {0}:
        return None, []
    if depths != {1}:
        raise ValueError(
            f"{os.fspath(root)!r} mixes layouts (images at several folder depths); use either "
            "<root>/<class>/<image> or a flat <root>/<image>."
        )
    class_names = sorted({n.split("/")[0] for n in names})
    index = {name: i for i, name in enumerate(class_names)}
    return np.array([index[n.split("/")[0]] for n in names], dtype="int32"), class_names


def load_image_folder(root, image_size=None, channels=None, as_dataset=False, batch_size=256):
    """Load a folder of the user's own images.

    Two layouts are understood: a class tree ``<root>/<class>/<image>`` (labels are the class
    folders in sorted order) and a flat folder ``<root>/<image>`` (no labels). ``root`` may also
    be a tar archive holding either layout. Images are in the order of their paths.

    Args:
        root: folder or ``.tar``/``.tar.gz``/``.tgz`` archive.
        image_size: ``(height, width)`` to resize to (bilinear, antialiased); required when the
            images differ in size.
        channels: 1 (grayscale) or 3 (RGB) to convert to; required when they differ in channels.
        as_dataset: stream the images instead of loading them: the first value returned is a
            ``tf.data.Dataset`` of uint8 batches ``(batch, height, width, channels)`` that reads
            and decodes the files as it is iterated (see
            :meth:`lsa_keras.datasets.ImageFiles.as_dataset`), so a folder of any size is read
            in bounded memory. ``root`` must then be a folder.
        batch_size: images per batch with ``as_dataset=True``.

    Returns:
        ``(images, labels, class_names)``: uint8 ``(n, height, width, channels)`` (or the
        dataset), int32 ``(n,)`` indices into ``class_names`` (``None`` for a flat folder) and
        the list of class folder names (empty for a flat folder).

    Raises:
        FileNotFoundError: ``root`` does not exist.
        ValueError: no images, mixed layouts, an unreadable image or one over the size limits
            (naming it), images that differ in shape without ``image_size``/``channels``, or an
            archive with ``as_dataset=True``.
    """
    from lsa_keras.datasets.decoding import check_channels, check_image_size, decode_images

    channels, image_size = check_channels(channels), check_image_size(image_size)
    if as_dataset:
        files = image_files_in(root, image_size, channels)
        labels, class_names = folder_layout(files.names, root)
        return files.as_dataset(batch_size), labels, class_names
    files = read_tree(root)
    names = list(files)
    labels, class_names = folder_layout(names, root)
    images = decode_images([files[n] for n in names], names, channels, image_size)
    return images, labels, class_names


def image_files_in(root, image_size=None, channels=None):
    """The images of the folder ``root`` as :class:`lsa_keras.datasets.ImageFiles`, decoded
    on demand, in the order of their paths.

    Raises:
        ValueError: ``root`` is an archive (extract it first), holds no images, or an entry is
            not a regular file or over :data:`MAX_FILE_BYTES`.
    """
    from lsa_keras.datasets.image_files import ImageFiles

    if is_archive(root):
        raise ValueError(f"{os.fspath(root)} is an archive; streaming reads a folder: extract "
                         "it and pass the folder.")
    listed = list_image_files(root)
    folder_layout([name for name, _, _ in listed], root)  # no images / mixed layouts
    return ImageFiles([path for _, path, _ in listed], image_size, channels,
                      names=[name for name, _, _ in listed])
