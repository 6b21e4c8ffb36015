"""Importing lsa_keras asks TensorFlow for its pooling CPU allocator unless the user chose."""

import importlib
import os

import lsa_keras

VAR = "TF_CPU_ALLOCATOR_USE_BFC"


def test_import_chooses_the_pooling_allocator(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    importlib.reload(lsa_keras)
    assert os.environ[VAR] == "true"


def test_import_keeps_the_users_choice(monkeypatch):
    monkeypatch.setenv(VAR, "false")
    importlib.reload(lsa_keras)
    assert os.environ[VAR] == "false"
