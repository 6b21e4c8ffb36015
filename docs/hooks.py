"""MkDocs hook: the package's docstrings cross-reference objects with reStructuredText roles
(:func:`name`, :class:`~lsa_keras.layers.DownBlock`). Render each as code, linked where the
API reference documents the object (names are looked up as written, then in the page's
module), and without the role's prefix."""

import functools
import os
import re

ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):<code>(~?)([^<]+)</code>")
SUBPACKAGES = ("datasets", "hub", "layers", "losses", "models", "scoring", "training", "video")
# Top-level names documented where they are defined.
ALIASES = {"lsa_keras.LSA": "lsa_keras.models.LSA",
           "lsa_keras.LSADetector": "lsa_keras.models.LSADetector",
           "lsa_keras.available_architectures": "lsa_keras.models.available_architectures",
           "lsa_keras.from_pretrained": "lsa_keras.hub.from_pretrained"}


def _identifier(target, module):
    name = target.removesuffix("()")
    if name.startswith("lsa_keras."):
        pass
    elif name.split(".")[0] in SUBPACKAGES:
        name = f"lsa_keras.{name}"
    elif module:
        name = f"{module}.{name}"
    for alias, real in ALIASES.items():
        if name == alias or name.startswith(alias + "."):
            name = real + name[len(alias):]
    return name


def _reference(match, module):
    tilde, target = match.group(1), match.group(2).strip()
    shown = target.rsplit(".", 1)[-1] if tilde else target
    identifier = _identifier(target, module)
    return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'


def on_page_content(html, page, **kwargs):
    stem = os.path.splitext(os.path.basename(page.file.src_uri))[0]
    module = None
    if page.file.src_uri.startswith("api/"):
        module = "lsa_keras.models.LSA" if stem == "lsa_keras" else f"lsa_keras.{stem}"
    return ROLE.sub(functools.partial(_reference, module=module), html)
