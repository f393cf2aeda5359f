"""Training that can be watched: a run advanced in chunks of epochs, and a worker thread that plays it.

``LiveRun`` is one training run of ``train`` cut into pieces: ``advance(n)`` trains n more epochs
with the same model and the same optimizer object (its state carries over), so a run advanced in
any chunks ends with exactly the weights and losses of one ``train(...)`` call with the same
settings (tested). It also measures the held-out points at every snapshot.

``Player`` runs ``LiveRun.advance`` in a worker thread, a chunk at a time, and calls ``on_frame``
after each chunk, so the kernel stays free (other cells run, and a control change is handled at
once). ``stop()`` cancels: the worker finishes the snapshot interval it is training (a chunk is
trained one interval at a time) and never calls ``on_frame`` again. The chunk sizes follow the
clock: the first chunk is short, so the first frame comes quickly, and the later ones take about
``chunk_seconds`` each.
"""
from __future__ import annotations

import copy
import threading
import time

import numpy as np

from ..features import add_features, feature_names
from ..nn.losses import get_loss
from ..nn.optim import get_optimizer
from ..nn.train import History, n_linear, train


class LiveRun:
    """One run of ``train(model, add_features(x, features), y, epochs, optimizer, loss, batch_size,
    weight_decay, shuffle_seed)`` that advances a chunk at a time.

    x (N, 2), y (N, 1): training points of the plane; x_test, y_test: held-out points or None.
    ``features``: the network's inputs, columns of the points (``add_features``; None: x1, x2), and
    ``inputs`` / ``test_inputs`` those columns; ``net_inputs(points)`` makes them for any points (the
    pictures' grids). ``optimizer`` an ``Optimizer`` (this run's own: its state is the run's).
    ``batch_size``, ``weight_decay`` and ``shuffle_seed`` as in ``train``: the shuffling goes on from
    chunk to chunk (one generator for the run), so the chunks give one ``train`` call's numbers.
    Snapshots every ``every`` epochs (default ``epochs // 50``, as ``train``). ``epoch``: the epochs
    trained so far; ``done``: all trained or diverged. ``loss``, ``accuracy`` (epochs,) and ``grad_rms``
    (epochs, number of weight matrices): per epoch, NaN where not trained yet (``History``'s).
    ``settings``: the playground settings the run was made from (``check_settings``'s dict), or None.
    ``replay_model``: the copy of ``model`` that ``snapshot_model`` loads older snapshots into (None
    until a replay needs it).
    """

    def __init__(self, model, x, y, *, epochs: int, optimizer, loss, x_test=None, y_test=None, every=None,
                 settings: dict | None = None, features=None, batch_size=None, weight_decay: float = 0.0,
                 shuffle_seed: int = 0):
        self.model, self.x, self.y, self.x_test, self.y_test = model, x, y, x_test, y_test
        self.features = None if features is None else feature_names(features)
        self.inputs = self.net_inputs(x)
        self.test_inputs = None if x_test is None else self.net_inputs(x_test)
        self.batch_size, self.weight_decay = batch_size, weight_decay
        self._shuffle = np.random.default_rng(shuffle_seed)
        self.settings = settings
        self.replay_model = None
        self.epochs = epochs
        self.optimizer = get_optimizer(optimizer)
        self.loss_fn = get_loss(loss)
        self.every = max(1, epochs // 50) if every is None else every
        self.epoch = 0
        self.loss = np.full(epochs, np.nan)
        self.accuracy = np.full(epochs, np.nan)
        self.grad_rms = np.full((epochs, n_linear(model)), np.nan)
        self.snapshot_epochs, self.snapshots = [0], [model.state_dict()]
        self.diverged_at, self.message = None, ""
        self.test_epochs, self.test_loss, self.test_accuracy = [], [], []
        self._scratch = copy.deepcopy(model) if x_test is not None else None
        self._measure_test(0, self.snapshots[0])

    def net_inputs(self, points):
        """The network's inputs for points of the plane (M, 2): their ``features`` columns (M, d)."""
        return points if self.features is None else add_features(points, self.features)

    @property
    def done(self) -> bool:
        return self.epoch >= self.epochs or self.diverged_at is not None

    def extend(self, n: int):
        """Plan ``n`` more epochs (Play trains on past the epochs setting, as TensorFlow Playground
        does): the arrays grow, and ``settings["epochs"]`` follows, so the call shown is this run's."""
        n = int(n)
        self.loss = np.concatenate([self.loss, np.full(n, np.nan)])
        self.accuracy = np.concatenate([self.accuracy, np.full(n, np.nan)])
        self.grad_rms = np.concatenate([self.grad_rms, np.full((n, self.grad_rms.shape[1]), np.nan)])
        self.epochs += n
        if self.settings is not None:
            self.settings = {**self.settings, "epochs": self.epochs}

    def end_here(self):
        """End the run at the epoch reached (after Play trained past the setting and was paused): then
        it is exactly ``train(..., epochs=self.epoch)``, and the call shown says so."""
        if self.diverged_at is None and self.epoch < self.epochs:
            self.loss, self.accuracy = self.loss[:self.epoch].copy(), self.accuracy[:self.epoch].copy()
            self.grad_rms = self.grad_rms[:self.epoch].copy()
            self.epochs = self.epoch
            if self.settings is not None:
                self.settings = {**self.settings, "epochs": self.epochs}

    def advance(self, n: int) -> int:
        """Train up to ``n`` more epochs (whole multiples of ``every`` keep the snapshots on the plain
        run's epochs); returns the number trained."""
        n = min(int(n), self.epochs - self.epoch)
        if n <= 0 or self.diverged_at is not None:
            return 0
        h = train(self.model, self.inputs, self.y, epochs=n, optimizer=self.optimizer, loss=self.loss_fn,
                  snapshot_every=self.every, print_fn=None, batch_size=self.batch_size,
                  weight_decay=self.weight_decay, shuffle_seed=self._shuffle, record_gradients=True)
        start = self.epoch
        done = len(h.loss)
        self.loss[start:start + done] = h.loss
        self.accuracy[start:start + done] = h.accuracy
        self.grad_rms[start:start + done] = h.grad_rms[:done]
        self.epoch += done
        for e, w in zip(h.snapshot_epochs[1:], h.snapshots[1:]):
            self.snapshots.append(w)                  # weights first: a reader takes the epochs' length
            self.snapshot_epochs.append(start + e)
            self._measure_test(start + e, w)
        if h.diverged:
            self.diverged_at = start + h.diverged_at
            # train's message counts this chunk's epochs; the run's count starts at its first chunk.
            self.message = h.message.replace(f"at epoch {h.diverged_at}:", f"at epoch {self.diverged_at}:")
        return done

    def snapshot_model(self, j: int):
        """A model holding snapshot ``j``'s weights: the run's own ``model`` if that snapshot is its
        current epoch, else ``replay_model`` (copied once), so a replay never changes the run's weights."""
        if self.snapshot_epochs[j] == self.epoch:
            return self.model
        if self.replay_model is None:
            self.replay_model = copy.deepcopy(self.model)
        self.replay_model.load_state_dict(self.snapshots[j])
        return self.replay_model

    def _measure_test(self, epoch, weights):
        if self.x_test is None:
            return
        self._scratch.load_state_dict(weights)
        with np.errstate(all="ignore"):
            pred = self._scratch.forward(self.test_inputs)
            self.test_loss.append(float(self.loss_fn.value(pred, self.y_test)))
        self.test_epochs.append(epoch)
        self.test_accuracy.append(float(np.mean((pred > 0.5) == (self.y_test > 0.5))))

    def history(self) -> History:
        """The run so far as a ``History`` (what ``train`` would have returned after ``epoch`` epochs)."""
        h = History(self.loss[:self.epoch], self.accuracy[:self.epoch], list(self.snapshot_epochs),
                    list(self.snapshots), model=self.model,
                    config={"epochs": self.epochs, "lr": self.optimizer.lr, "optimizer": self.optimizer.name,
                            "loss": self.loss_fn.name, "optimizer_repr": repr(self.optimizer),
                            "batch_size": self.batch_size, "weight_decay": self.weight_decay})
        h.diverged_at, h.message = self.diverged_at, self.message
        h.grad_rms = self.grad_rms[:self.epoch]
        return h


class Player:
    """Plays a ``LiveRun`` in a worker thread: chunks of epochs, ``on_frame(run, final)`` after each.

    ``play(run)`` stops whatever is playing and starts ``run``; ``stop()`` cancels (waits for the
    snapshot interval being trained, or the frame being drawn); ``playing`` says whether a worker is running.
    ``on_frame`` is called from the worker thread; ``final`` is True after the last chunk. If training
    raises, the worker keeps the exception in ``error`` and calls ``on_error(run, exc)`` (if given).
    """

    #: Playing on past the epochs setting (``play(run, on=True)``) adds at least this many snapshot
    #: intervals at a time, up to ``MAX_EPOCHS`` epochs in all (then it stops, as if paused).
    EXTEND_INTERVALS = 10
    MAX_EPOCHS = 1_000_000

    def __init__(self, on_frame, *, chunk_seconds: float = 0.15, first_chunk: int | None = None, on_error=None,
                 on_seconds: float = 0.06):
        self.on_frame = on_frame
        self.on_error = on_error
        self.chunk_seconds = chunk_seconds
        self.on_seconds = on_seconds
        self.first_chunk = first_chunk
        self._thread = None
        self._cancel = threading.Event()
        self.error = None
        self.on = False

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self, run, on: bool = False):
        """Play ``run``: to its last epoch, or with ``on`` on past it until ``stop()`` (chunks of about
        ``on_seconds`` then, so frames come at about ten a second)."""
        self.stop()
        self.error = None
        self.on = on
        self._cancel = cancel = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(run, cancel), daemon=True,
                                        name="backprop_lab playground")
        self._thread.start()

    def stop(self, timeout: float = 10.0):
        self._cancel.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until the run being played ends; True if it did within ``timeout`` seconds."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _carry_on(self, run) -> bool:
        """A run at its last epoch goes on if Play is on, it did not diverge and it is under
        ``MAX_EPOCHS``; True then. It grows by half its length (at least ``EXTEND_INTERVALS`` snapshot
        intervals): its arrays are copied, and the curve's axis redrawn, only a few times in a long play."""
        if not self.on or run.diverged_at is not None or run.epochs >= self.MAX_EPOCHS:
            return False
        grow = max(self.EXTEND_INTERVALS * run.every, run.epochs // 2 // run.every * run.every)
        run.extend(min(grow, self.MAX_EPOCHS - run.epochs))
        return True

    def _work(self, run, cancel):
        chunk = self.first_chunk or run.every
        seconds_per_chunk = self.on_seconds if self.on else self.chunk_seconds
        try:
            while not cancel.is_set():
                if run.done and not self._carry_on(run):
                    break
                t0 = time.perf_counter()
                trained = 0
                # A chunk in pieces of one snapshot interval, the cancel flag checked between them, so
                # that stop() returns after one piece (milliseconds), not after the whole chunk. Played
                # on past its epochs, the run grows within the chunk: frames keep their pace.
                while trained < chunk and not cancel.is_set():
                    if run.done and not self._carry_on(run):
                        break
                    trained += run.advance(min(run.every, chunk - trained))
                seconds = time.perf_counter() - t0
                if cancel.is_set():
                    return
                self.on_frame(run, run.done and not (self.on and run.diverged_at is None
                                                     and run.epochs < self.MAX_EPOCHS))
                # The next chunk: about chunk_seconds of training, in whole snapshot intervals.
                per_epoch = seconds / max(trained, 1)
                chunk = max(run.every, int(seconds_per_chunk / max(per_epoch, 1e-7)) // run.every * run.every)
        except Exception as exc:  # reported by the panel; a worker must not die silently
            self.error = exc
            if self.on_error is not None:
                self.on_error(run, exc)
