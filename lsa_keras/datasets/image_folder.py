"""Images from a folder tree or a tar archive: ``<root>/<class>/*`` or a flat folder.

Decoding goes through TensorFlow (a dependency already), so JPEG, PNG, BMP and GIF read without
another imaging library.
"""

import os
import stat
import tarfile
import zlib

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")


def is_archive(path):
    return os.path.isfile(path) and str(path).lower().endswith(_ARCHIVE_SUFFIXES)


def _is_image(name):
    return name.lower().endswith(IMAGE_EXTENSIONS) and not os.path.basename(name).startswith(".")


# What read_tree reads into memory at most: one file, and all of them. An image file past the
# first is not an image this package can use (CIFAR-10's are 1-2 KB, a 24-megapixel PNG is
# under 100 MB); the second bounds a whole tree, archives whose few megabytes expand to
# gigabytes included.
MAX_FILE_BYTES = 128 * 2**20
MAX_TOTAL_BYTES = 8 * 2**30
# The most pixels an image may declare in its header, checked before it is decoded: a file of
# a few hundred bytes can declare 100000 x 100000 pixels, tens of gigabytes once decoded. This
# is 8192 x 8192 (a 24-megapixel photo has 6000 x 4000).
MAX_IMAGE_PIXELS = 2**26


def _declared_size(data):
    """``(height, width)`` from the header of a PNG, GIF, BMP or JPEG, without decoding it;
    None when the header cannot tell (the decoder then reports the file)."""
    head = bytes(data[:32])
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return int.from_bytes(head[20:24], "big"), int.from_bytes(head[16:20], "big")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return int.from_bytes(head[8:10], "little"), int.from_bytes(head[6:8], "little")
    if head[:2] == b"BM" and len(head) >= 26:
        width = int.from_bytes(head[18:22], "little", signed=True)
        height = int.from_bytes(head[22:26], "little", signed=True)
        return abs(height), abs(width)
    if head[:2] == b"\xff\xd8":
        import tensorflow as tf

        try:
            height, width, _ = tf.image.extract_jpeg_shape(data).numpy()
        except (tf.errors.InvalidArgumentError, ValueError):
            return None
        return int(height), int(width)
    return None


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
    if not os.path.isdir(source):
        raise FileNotFoundError(f"No such folder or tar archive: {source!r}.")
    files = {}
    for folder, dirs, names in os.walk(source):
        dirs.sort()
        for name in names:
            if not _is_image(name):
                continue
            path = os.path.join(folder, name)
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
            total += info.st_size
            if total > max_total_bytes:
                raise _too_large(f"{source} (up to {path})", total, max_total_bytes,
                                 "MAX_TOTAL_BYTES")
            with open(path, "rb") as f:
                files[os.path.relpath(path, source).replace(os.sep, "/")] = \
                    f.read(max_file_bytes + 1)
    return dict(sorted(files.items()))


def decode_images(encoded, names, channels=None, image_size=None):
    """Decode encoded images into one uint8 array ``(n, height, width, channels)``.

    Args:
        encoded: list of encoded image bytes.
        names: their paths, for error messages.
        channels: 1 or 3 to convert every image; ``None`` keeps the files' own, which must agree.
        image_size: ``(height, width)`` to resize every image to (bilinear, antialiased);
            ``None`` requires all images to have the same size.
    """
    import tensorflow as tf

    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3, got {channels!r}.")
    if image_size is not None:
        size = tuple(image_size) if isinstance(image_size, (tuple, list)) else ()
        if len(size) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                     and v > 0 for v in size):
            raise ValueError(f"image_size must be (height, width), two positive integers, got "
                             f"{image_size!r}.")
    images = []
    for data, name in zip(encoded, names):
        # TensorFlow decodes GIFs to RGB only (channels=1 is refused): read them as RGB and
        # convert, so grayscale models read GIFs as they read PNGs.
        gif = channels == 1 and bytes(data[:4]) == b"GIF8"
        size = _declared_size(data)
        if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
            raise ValueError(
                f"{name} declares {size[0]} x {size[1]} pixels, more than the "
                f"{MAX_IMAGE_PIXELS} (MAX_IMAGE_PIXELS) this package decodes; it is not read. "
                "Shrink it, or remove it.")
        try:
            image = tf.io.decode_image(data, channels=3 if gif else channels or 0,
                                       dtype=tf.uint8, expand_animations=False)
            if gif:
                image = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))),
                                tf.uint8)
        except (tf.errors.InvalidArgumentError, ValueError) as e:
            raise ValueError(
                f"{name} is not a readable image ({str(e).splitlines()[0]}). Remove or replace it."
            ) from e
        if image_size is not None and tuple(image.shape[:2]) != tuple(image_size):
            image = tf.image.resize(image, image_size, antialias=True)
            image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        images.append(image.numpy())
    if not images:
        raise ValueError("No images to decode.")
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        first = images[0].shape
        odd = next(n for n, im in zip(names, images) if im.shape != first)
        raise ValueError(
            f"Images differ in shape ({names[0]} is {first}, {odd} is "
            f"{next(im.shape for im in images if im.shape != first)}); pass image_size=(h, w) "
            "and/or channels=1|3 to convert them."
        )
    return np.stack(images)


def load_image_folder(root, image_size=None, channels=None):
    """Load a folder of the user's own images.

    Two layouts are understood: a class tree ``<root>/<class>/<image>`` (labels are the class
    folders in sorted order) and a flat folder ``<root>/<image>`` (no labels). ``root`` may also
    be a tar archive holding either layout.

    Args:
        root: folder or ``.tar``/``.tar.gz``/``.tgz`` archive.
        image_size: ``(height, width)`` to resize to; required when the images differ in size.
        channels: 1 (grayscale) or 3 (RGB) to convert to; required when they differ in channels.

    Returns:
        ``(images, labels, class_names)``: uint8 ``(n, height, width, channels)``, int32
        ``(n,)`` indices into ``class_names`` (``None`` for a flat folder) and the list of class
        folder names (empty for a flat folder).
    """
    files = read_tree(root)
    if not files:
        raise ValueError(
            f"No images ({', '.join(IMAGE_EXTENSIONS)}) in {os.fspath(root)!r}: expected "
            "<root>/<class>/<image> or <root>/<image>."
        )
    depths = {name.count("/") for name in files}
    if depths == {0}:
        names = list(files)
        return decode_images([files[n] for n in names], names, channels, image_size), None, []
    if depths != {1}:
        raise ValueError(
            f"{os.fspath(root)!r} mixes layouts (images at several folder depths); use either "
            "<root>/<class>/<image> or a flat <root>/<image>."
        )
    names = list(files)
    class_names = sorted({n.split("/")[0] for n in names})
    labels = np.array([class_names.index(n.split("/")[0]) for n in names], dtype="int32")
    images = decode_images([files[n] for n in names], names, channels, image_size)
    return images, labels, class_names
