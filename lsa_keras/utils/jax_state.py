"""Keeping a model's variables through a Keras loop that raised under JAX.

Keras' JAX trainer moves the variables' values into a state it carries from step to step and
empties the variables meanwhile (``fit`` and ``predict`` alike); an error inside the loop (a
bad batch of a dataset, an interrupt) leaves them empty, and the next use of the model fails
or reads their initializers. :func:`saved_state` before the loop and :func:`restore_state`
after an error put the values back.
"""

from __future__ import annotations

import keras


def saved_state(model):
    """Under JAX, the variables a Keras loop of ``model`` is about to carry, with their values
    (references: JAX arrays are immutable, so this copies nothing); None on the other
    backends."""
    if keras.backend.backend() != "jax":
        return None
    variables = (list(model.trainable_variables) + list(model.non_trainable_variables)
                 + list(model.metrics_variables)
                 + (list(model.optimizer.variables) if model.optimizer is not None else []))
    return [(v, v.value) for v in variables]


def restore_state(model, state):
    """Give the variables back their values after a loop that raised under JAX: the state of
    the last finished step when there is one (``jax_state_sync``), the values
    :func:`saved_state` kept otherwise."""
    if state is None:
        return
    if getattr(model, "_jax_state", None) and not getattr(model, "_jax_state_synced", True):
        model.jax_state_sync()
    else:
        for variable, value in state:
            if getattr(variable, "_value", value) is None:
                variable.assign(value)
    model._jax_state = None  # a stale state must not be synced into a later loop
