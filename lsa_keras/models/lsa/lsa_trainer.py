"""``train_step``/``test_step`` of the joint LSA objective, one class per Keras backend.

The loss is written once (:func:`lsa_keras.losses.lsa_loss`, via the model's
``joint_loss``); what differs between backends is only how gradients are taken and applied,
as in Keras' own ``keras/src/backend/*/trainer.py``. :data:`JointLossTrainer` is the class for
the backend Keras runs on; :class:`lsa_keras.LSA` inherits from it.

Data-parallel training (:mod:`lsa_keras.training.distribution`): under JAX's
``keras.distribution.DataParallel`` the step is one computation over the global batch, sharded
by XLA, and needs nothing of its own. Under a ``tf.distribute`` strategy the TensorFlow step
runs once per replica on its slice of the batch: it weights each replica's loss by its share
of the global batch, so that the optimizer's sum of the replicas' gradients is the gradient of
the global-batch mean, and the trackers' totals and counts are summed over the replicas.
"""

import keras
from keras import ops

DEFAULT_LEARNING_RATE = 1e-4  # supplement Table 1 (MNIST, CIFAR-10)


def _unpack(data):
    x, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    if x is None:
        raise ValueError("LSA.fit needs input images x; got a batch without them.")
    return x, sample_weight


class _TrackerMixin:
    """Logs ``loss``, ``rec`` and ``llk`` as epoch means weighted by batch size."""

    def _update_trackers(self, losses, x):
        batch = ops.shape(x)[0]
        logs = {}
        for tracker in self.metrics:
            tracker.update_state(losses[tracker.name], sample_weight=batch)
            logs[tracker.name] = tracker.result()
        return logs


class TensorFlowJointLossTrainer(_TrackerMixin):
    def make_train_function(self, force=False):
        # Keras' TensorFlow trainer builds the optimizer inside the first trace of the train
        # step (it builds ahead only under a distribution strategy); a tf.function that
        # creates variables is traced a second time, so a fresh model's step was traced twice
        # (first through apply_gradients, then through the XLA apply below), a third of a
        # small model's first fit (12-13 -> 8 s CPU). Build it before the one trace.
        # (Under a tf.distribute strategy Keras has built it already, in the strategy's scope.)
        if (self.optimizer is not None and not self.optimizer.built
                and all(layer.built for layer in self._flatten_layers())):
            with self.distribute_strategy.scope():
                self.optimizer.build(self.trainable_variables)
        return super().make_train_function(force)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Under a tf.distribute strategy Keras builds what is left to build before the first
        # step, from the first batch averaged over the replicas: a batch split unevenly (9
        # validation images on 2 replicas) fails that average ("Inputs to operation AddN
        # must have the same size"). A built LSA has no compiled loss or metrics, so only its
        # optimizer is left to build, which needs no batch.
        if (self._distribute_strategy is None or data_batch is not None
                or not all(layer.built for layer in self._flatten_layers())):
            return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)
        with self.distribute_strategy.scope():
            self._symbolic_build()

    def train_step(self, data):
        import tensorflow as tf

        x, sample_weight = _unpack(data)
        replica = tf.distribute.get_replica_context()
        weights = self.trainable_weights
        if replica.num_replicas_in_sync == 1:
            losses, grads = self._losses_and_gradients(x, sample_weight)
        else:
            # The optimizer sums the replicas' gradients, so each replica's objective is its
            # batch mean times its share of the global batch (its images, or its sample
            # weights, over all replicas'): the sum is then the gradient of the global-batch
            # mean, as one device takes it, also when the batch is split unevenly (Keras'
            # scale_loss_for_distribution divides by the number of replicas, exact for equal
            # slices only). The trackers get this replica's own means with its batch size as
            # weight; Keras sums their totals and counts over the replicas when it reads them.
            if sample_weight is None:
                weight = tf.cast(tf.shape(x)[0], "float32")
            else:
                weight = tf.reduce_sum(tf.cast(sample_weight, "float32"))
            share = tf.math.divide_no_nan(
                weight, replica.all_reduce(tf.distribute.ReduceOp.SUM, weight))
            # A replica gets no images when the global batch has fewer than one per replica
            # (an epoch's last batch): the batch normalisation of an empty batch has NaN
            # statistics, which would reach the gradients (0 * NaN) and the replica's moving
            # statistics. It contributes nothing instead; unless a layer synchronises across
            # replicas (BatchNormalization(synchronized=True), whose statistics are then the
            # global batch's): every replica must reach that all-reduce, so none can skip.
            if any(getattr(layer, "synchronized", False) for layer in self._flatten_layers()):
                losses, grads = self._losses_and_gradients(x, sample_weight, share)
            else:
                def step():
                    losses, grads = self._losses_and_gradients(x, sample_weight, share)
                    return losses, [tf.zeros_like(w) if g is None else g
                                    for g, w in zip(grads, weights)]

                losses, grads = tf.cond(
                    tf.shape(x)[0] > 0, step,
                    lambda: ({m.name: tf.zeros((), "float32") for m in self.metrics},
                             [tf.zeros_like(w) for w in weights]))
        if self.jit_compile or not self.optimizer.built or tf.distribute.has_strategy():
            # Under a strategy the update all-reduces the gradients across replicas, a
            # synchronisation point that cannot sit inside a nested tf.function.
            self.optimizer.apply_gradients(zip(grads, weights))
        else:
            # Without XLA every elementwise op of the optimizer's update is one pass over the
            # ~14M estimator weights; XLA fuses each variable's update into one.
            tf.function(lambda g: self.optimizer.apply(g, weights), jit_compile=True)(grads)
        return _for_reduction(self._update_trackers(losses, x))

    def _losses_and_gradients(self, x, sample_weight, share=None):
        """``(losses, gradients)`` of one batch; the gradients are those of ``share`` times the
        loss (``None``: the loss itself)."""
        import tensorflow as tf

        weights = self.trainable_weights
        with tf.GradientTape() as tape:
            losses = self.joint_loss(x, self(x, training=True), sample_weight)
            if share is None:
                objective = losses["loss"]
            else:  # an empty batch's NaN means count as 0
                nonempty = tf.shape(x)[0] > 0
                losses = {k: tf.where(nonempty, v, tf.zeros_like(v)) for k, v in losses.items()}
                objective = losses["loss"] * share
            scaled = self.optimizer.scale_loss(objective)
        # The masked layers gather their kernels, so their gradients arrive as IndexedSlices;
        # Keras' optimizers densify those at every use (Adam: twice per step, an
        # UnsortedSegmentSum over the whole kernel each time). Densify them once here.
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                 for g in tape.gradient(scaled, weights)]
        return {m.name: losses[m.name] for m in self.metrics}, grads

    def _update_trackers(self, losses, x):
        import tensorflow as tf

        logs = super()._update_trackers(losses, x)
        replica = tf.distribute.get_replica_context()
        if (replica is None or replica.num_replicas_in_sync == 1
                or not all(hasattr(m, "total") and hasattr(m, "count") for m in self.metrics)):
            return logs
        # Each step's logs (the progress bar's) are each tracker's mean over every replica's
        # images so far: Keras would average the replicas' own means, which weighs the images
        # of an unevenly split batch unequally. (The epoch's logs Keras reads across replicas.)
        sums = replica.all_reduce(tf.distribute.ReduceOp.SUM, tf.stack(
            [tf.cast(tf.convert_to_tensor(v), "float32")
             for m in self.metrics for v in (m.total, m.count)]))
        return {m.name: tf.math.divide_no_nan(sums[2 * i], sums[2 * i + 1])
                for i, m in enumerate(self.metrics)}

    def test_step(self, data):
        import tensorflow as tf

        x, sample_weight = _unpack(data)
        losses = self.joint_loss(x, self(x, training=False), sample_weight)
        if tf.distribute.get_replica_context().num_replicas_in_sync > 1:
            # An empty replica batch (see train_step) has NaN means: it adds 0 with weight 0.
            nonempty = tf.shape(x)[0] > 0
            losses = {k: tf.where(nonempty, v, tf.zeros_like(v)) for k, v in losses.items()}
        return _for_reduction(self._update_trackers(losses, x))


def _for_reduction(logs):
    """``logs`` as Keras' TensorFlow trainer can reduce them over the replicas.

    Across several workers it reduces each value with ``strategy.reduce("MEAN", v, axis=0)``,
    which needs a batch axis: a scalar fails ("Invalid reduction dimension 0 for input with 0
    dimensions"). There each value gets an axis of length 1, and comes back a scalar."""
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    if not (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode()):
        return logs
    return {k: tf.reshape(v, (1,)) for k, v in logs.items()}


class TorchJointLossTrainer(_TrackerMixin):
    def train_step(self, data):
        import torch

        x, sample_weight = _unpack(data)
        outputs = self(x, training=True)
        self.zero_grad()
        losses = self.joint_loss(x, outputs, sample_weight)
        self.optimizer.scale_loss(losses["loss"]).backward()
        weights = self.trainable_weights[:]
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in weights], weights)
        return self._update_trackers({k: v.detach() for k, v in losses.items()}, x)

    def test_step(self, data):
        x, sample_weight = _unpack(data)
        return self._update_trackers(self.joint_loss(x, self(x, training=False), sample_weight), x)


class JaxJointLossTrainer(_TrackerMixin):
    """JAX steps are pure functions of the state tuples the Keras JAX trainer passes in."""

    def _stateless_trackers(self, metrics_variables, losses, x):
        mapping = list(zip(self.metrics_variables, metrics_variables))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = self._update_trackers(losses, x)
        new_values = []
        for ref, old in zip(self.metrics_variables, metrics_variables):
            value = scope.get_current_value(ref)
            new_values.append(old if value is None else value)
        return logs, new_values

    def train_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_vars, metrics_vars = state
        x, sample_weight = _unpack(data)

        def objective(trainable, non_trainable):
            outputs, non_trainable = self.stateless_call(
                trainable, non_trainable, x, training=True
            )
            losses = self.joint_loss(x, outputs, sample_weight)
            return losses["loss"], (losses, non_trainable)

        (_, (losses, non_trainable)), grads = jax.value_and_grad(objective, has_aux=True)(
            trainable, non_trainable
        )
        trainable, optimizer_vars = self.optimizer.stateless_apply(
            optimizer_vars, grads, trainable
        )
        logs, metrics_vars = self._stateless_trackers(metrics_vars, losses, x)
        return logs, (trainable, non_trainable, optimizer_vars, metrics_vars)

    def test_step(self, state, data):
        trainable, non_trainable, metrics_vars = state
        x, sample_weight = _unpack(data)
        outputs, non_trainable = self.stateless_call(trainable, non_trainable, x, training=False)
        losses = self.joint_loss(x, outputs, sample_weight)
        logs, metrics_vars = self._stateless_trackers(metrics_vars, losses, x)
        return logs, (trainable, non_trainable, metrics_vars)


class OwnObjectiveCompile:
    """``compile``/``compile_from_config`` of a model that trains its own ``objective`` (a
    class attribute naming it, for the error when ``loss`` is given)."""

    objective = "its own objective"

    def compile(self, optimizer=None, jit_compile="auto", **kwargs):
        """Like ``keras.Model.compile``; the optimiser defaults to Adam with lr 1e-4
        (supplement Table 1).

        The model trains its own objective, so ``loss`` must not be given. ``jit_compile="auto"``
        is Keras' rule (XLA on a GPU and under JAX, not on a CPU with TensorFlow), except that
        TensorFlow never compiles video models with XLA: its CPU backend runs 3D convolutions
        as naive loops, many times slower than without XLA.
        """
        if (jit_compile == "auto" and keras.backend.backend() == "tensorflow"
                and len(self.image_shape) != 3):
            jit_compile = False
        if kwargs.get("loss") is not None:
            raise ValueError(
                f"{type(self).__name__} trains its own objective ({self.objective}); do not "
                "pass `loss`."
            )
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=DEFAULT_LEARNING_RATE)
        super().compile(optimizer=optimizer, jit_compile=jit_compile, **kwargs)

    def compile_from_config(self, config):
        """Recompile after ``keras.saving.load_model`` so the optimiser state is restored too."""
        config = keras.saving.deserialize_keras_object(config)
        config.pop("loss", None)
        self.compile(**config)
        self.optimizer.build(self.trainable_variables)


_TRAINERS = {
    "tensorflow": TensorFlowJointLossTrainer,
    "jax": JaxJointLossTrainer,
    "torch": TorchJointLossTrainer,
}

backend = keras.backend.backend()
if backend not in _TRAINERS:
    raise ImportError(
        f"lsa_keras trains on the tensorflow, jax and torch backends; KERAS_BACKEND is "
        f"{backend!r}."
    )
JointLossTrainer = _TRAINERS[backend]
