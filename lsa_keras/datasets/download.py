"""Downloading a data set through ``keras.datasets`` when no local copy is given."""

import os


def keras_download(name, load_data, env_var):
    """``load_data()`` (a ``keras.datasets`` loader), with a clear error when it fails.

    Keras raises a bare ``Exception`` naming the URL when there is no network; this says what
    to do instead.

    Raises:
        ConnectionError: the download failed.
    """
    try:
        return load_data()
    except Exception as e:  # keras.utils.get_file raises Exception for URL errors
        raise ConnectionError(
            f"Could not download {name} through keras.datasets ({type(e).__name__}: {e}). "
            f"Without network access, pass data_dir= (--data-dir on the command line) or set "
            f"{env_var} to a folder holding a local copy"
            + (f" (now {os.environ[env_var]!r})" if os.environ.get(env_var) else "") + "."
        ) from e
