"""``SweepResult``: what ``sweep`` measured, and the tables, heatmaps and curves that compare it.

For K networks and E epochs: ``settings`` (K dicts), ``loss`` and ``accuracy`` (K, E), ``diverged_at``
(K entries, None for "never"), the final weights; see ``sweep``'s module docstring for the details.
"""
from __future__ import annotations

import numpy as np

from ..figures.plots import new_axes
from ..nn.layers import vector_to_parameters
from ..nn.model import MLP
from ..nn.stuck import is_stuck
from ..nn.train import History
from ..rounding import approx, mean_pm
from ..validation import lookup
from .settings import setting

#: The grid's axes, in the order of ``res.settings`` (seed varies fastest).
SETTINGS = ("hidden", "activation", "output_activation", "optimizer", "loss", "lr", "seed", "batch_size",
            "weight_decay")
_VALUES = {"accuracy": "final_accuracy", "loss": "final_loss", "diverged": "diverged"}


def _fmt(v):
    if isinstance(v, tuple):
        return "×".join(map(str, v)) or "none"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _stats(values):
    """mean, std (ddof=0), min, max of the finite values, as floats (NaN if there are none)."""
    v = values[np.isfinite(values)]
    with np.errstate(over="ignore", invalid="ignore"):
        return tuple(float(f(v)) for f in (np.mean, np.std, np.min, np.max)) if v.size else (np.nan,) * 4


def _band(c, band):
    """Per epoch, over the finite entries of c (n, E): the mean and the band (mean ± std, or min, max)."""
    ok = np.isfinite(c)
    n = np.maximum(ok.sum(axis=0), 1)
    mean = np.where(ok, c, 0).sum(axis=0) / n
    if band == "std":
        std = np.sqrt(np.where(ok, (c - mean) ** 2, 0).sum(axis=0) / n)
        lo, hi = mean - std, mean + std
    else:
        lo, hi = np.where(ok, c, np.inf).min(axis=0), np.where(ok, c, -np.inf).max(axis=0)
    return (np.where(ok.any(axis=0), a, np.nan) for a in (mean, lo, hi))


def _text_table(head, body):
    """Rows of strings as left-aligned columns, with the header first."""
    widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
    return _Text("\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [head] + body))


class _Text(str):
    """A string that shows as itself in a notebook (no quotes, real line breaks)."""

    def __repr__(self):
        return str(self)


class SweepResult:
    """What ``sweep`` measured, per network k (see the module docstring for the shapes)."""

    def __init__(self, settings, loss, accuracy, diverged_at, final_weights, x, y, init, swept=()):
        self.settings, self.loss, self.accuracy, self.diverged_at = settings, loss, accuracy, diverged_at
        #: K flat weight vectors (P,), laid out as ``parameters_to_vector``: network k's final weights
        self.final_weights = final_weights
        self.x, self.y, self.init, self.swept = x, y, init, swept
        #: (K, epochs, layers) weight-gradient RMS per network, epoch and layer (``sweep(record_gradients=True)``)
        self.grad_rms = None

    def __len__(self):
        return len(self.settings)

    @property
    def epochs(self) -> int:
        return self.loss.shape[1]

    @property
    def diverged(self) -> np.ndarray:
        """(K,) booleans: did network k diverge (``diverged_at[k]`` is not None)?"""
        return np.array([d is not None for d in self.diverged_at], dtype=bool)

    @property
    def stuck(self) -> np.ndarray:
        """(K,) booleans: did network k get stuck (``nn.stuck.is_stuck``: its loss flat for the last
        1,000 epochs and its accuracy near chance)? A diverged network is not counted as stuck."""
        return np.array([not self.diverged[k] and is_stuck(self.loss[k], self.accuracy[k], self.y)
                         for k in range(len(self))], dtype=bool)

    def _recorded(self, k) -> int:
        """How many epochs of network k have a finite loss."""
        return self.epochs if self.diverged_at[k] is None else self.diverged_at[k] - 1

    def _last(self, arr):
        n = np.array([self._recorded(k) for k in range(len(self))])
        return np.where(n > 0, arr[np.arange(len(self)), np.maximum(n - 1, 0)], np.nan)

    @property
    def final_loss(self) -> np.ndarray:
        return self._last(self.loss)

    @property
    def final_accuracy(self) -> np.ndarray:
        return self._last(self.accuracy)

    def initial_model(self, k: int) -> MLP:
        """Network k as an ``MLP`` with the weights it started from (its seed's draw)."""
        s = self.settings[k]
        return MLP((self.x.shape[1], *s["hidden"], 1), activation=s["activation"],
                   output_activation=s["output_activation"], seed=s["seed"], init=self.init)

    def model(self, k: int) -> MLP:
        """Network k as an ``MLP`` with its final weights (e.g. for ``plot_decision_boundary``)."""
        m = self.initial_model(k)
        vector_to_parameters(self.final_weights[k], m.parameters())
        return m

    def state_dict(self, k: int) -> dict:
        """The final weights of network k, named as ``MLP.state_dict()`` names them."""
        return self.model(k).state_dict()

    def history(self, k: int) -> History:
        """Network k's curves as a ``History`` (for ``plot_learning_curves``); no snapshots."""
        n, s = self._recorded(k), self.settings[k]
        rms = None if self.grad_rms is None else self.grad_rms[k, :n, :len(s["hidden"]) + 1].copy()
        return History(self.loss[k, :n].copy(), self.accuracy[k, :n].copy(), grad_rms=rms,
                       diverged_at=self.diverged_at[k], stuck=bool(self.stuck[k]),
                       config={"epochs": self.epochs, "lr": s["lr"], "optimizer": s["optimizer"], "loss": s["loss"],
                               "engine": "flat", "batch_size": s["batch_size"], "weight_decay": s["weight_decay"]})

    def select(self, **where) -> np.ndarray:
        """Indices of the networks whose settings equal ``where``, e.g. ``res.select(lr=0.1)``."""
        self._check_names(where)
        match = [k for k, s in enumerate(self.settings) if all(s[n] == setting(n, v) for n, v in where.items())]
        return np.array(match, dtype=np.int64)

    def _check_names(self, names):
        for n in names:
            lookup(dict.fromkeys(SETTINGS), n, "setting")

    def _by(self, by):
        if by is None:
            return tuple(n for n in self.swept if n != "seed")
        by = (by,) if isinstance(by, str) else tuple(by)
        self._check_names(by)
        return by

    def groups(self, by=None) -> dict:
        """{values of the settings ``by``: indices of the networks}, in grid order. ``by=None``: every
        swept setting except the seed, so each group holds the seeds of one setting."""
        out, by = {}, self._by(by)
        for k, s in enumerate(self.settings):
            out.setdefault(tuple(s[n] for n in by), []).append(k)
        return {key: np.array(v) for key, v in out.items()}

    def summary(self, by=None) -> list[dict]:
        """One dict per group (see ``groups``): the settings ``by``, ``n`` networks, ``diverged`` and
        ``stuck`` (how many of them), and ``loss_mean``, ``loss_std`` (ddof=0), ``loss_min``, ``loss_max`` and the same
        four ``accuracy_*`` of the final loss and accuracy over the group's networks that did not
        diverge (NaN if all did)."""
        rows = []
        fl, fa = (np.where(self.diverged, np.nan, a) for a in (self.final_loss, self.final_accuracy))
        stuck = self.stuck
        for key, idx in self.groups(by).items():
            row = dict(zip(self._by(by), key), n=len(idx), diverged=int(self.diverged[idx].sum()),
                       stuck=int(stuck[idx].sum()))
            for name, arr in (("loss", fl), ("accuracy", fa)):
                row.update(zip((f"{name}_{st}" for st in ("mean", "std", "min", "max")), _stats(arr[idx])))
            rows.append(row)
        return rows

    def table(self, by=None, sig=None) -> str:
        """``summary`` as a text table: final loss and accuracy, mean ± std over each group, and how
        many networks diverged or got stuck (no progress at all, ``nn.stuck``).

        Each mean is printed to the decimal place of its std's first digit (``rounding.mean_pm``): the
        digits beyond it differ between the seeds, and in sensitive runs between computers too.
        ``sig=1`` prints every mean to one significant figure, for groups whose runs are so sensitive
        (a learning rate far too large) that even that digit can move.
        """
        cols = list(self._by(by))
        head = cols + ["n", "final loss", "accuracy", "acc. min–max", "diverged", "stuck"]
        body = [[_fmt(r[c]) for c in cols] + [str(r["n"])] + (["—"] * 3 if r["diverged"] == r["n"] else [
                 mean_pm(r["loss_mean"], r["loss_std"], sig=sig),
                 mean_pm(r["accuracy_mean"], r["accuracy_std"], percent=True, sig=sig),
                 f"{r['accuracy_min']:.0%}–{r['accuracy_max']:.0%}"]) + [f"{r['diverged']}/{r['n']}",
                                                                         f"{r['stuck']}/{r['n']}"]
                for r in self.summary(by)]
        return _text_table(head, body)

    def epochs_to_accuracy(self, target: float = 1.0) -> np.ndarray:
        """(K,) floats: the first epoch at which network k reached ``target`` accuracy, inf if it never did."""
        return np.array([self.history(k).epochs_to_accuracy(target) or np.inf for k in range(len(self))])

    def epochs_table(self, by=None, target: float = 1.0, sig: int = 2) -> str:
        """Per group: how many networks reached ``target`` accuracy, the median and the worst number of
        epochs they needed (">E": not within the E epochs), and the final loss, mean ± std over the
        networks that did not diverge.

        Epoch counts are printed to ``sig`` significant figures (``rounding.approx``): a run that passes
        a saddle of the loss needs a few epochs more or less on another computer (``sig=1`` where whole
        runs change their course, as XOR with BCE at lr = 1 does).
        """
        cols, epochs = list(self._by(by)), self.epochs_to_accuracy(target)
        final_loss = np.where(self.diverged, np.nan, self.final_loss)        # as in summary()
        never = f">{self.epochs:,}"
        head = cols + ["n", f"at {target:.0%}", "median epochs", "worst", "final loss"]
        body = []
        for key, idx in self.groups(by).items():
            e, loss = epochs[idx], final_loss[idx]
            body.append([_fmt(v) for v in key] + [str(len(idx)), f"{int(np.isfinite(e).sum())}/{len(idx)}",
                         approx(np.median(e), sig, never), approx(e.max(), sig, never),
                         mean_pm(*_stats(loss)[:2])])
        return _text_table(head, body)

    def plot_heatmap(self, x: str, y: str, value: str = "accuracy", ax=None):
        """Mean final ``value`` ("accuracy", "loss" or "diverged", the fraction) over the networks of
        each pair of values of the settings ``x`` (columns) and ``y`` (rows), averaged over seeds and
        any other swept setting; accuracy and loss over the networks that did not diverge ("div" where
        all did). The image is (number of y values, number of x values). Returns the axes."""
        self._check_names((x, y))
        if x == y:
            raise ValueError(f"x and y must be two different settings; got {x!r} twice.")
        per_net = getattr(self, lookup(_VALUES, value, "value")).astype(float)
        if value != "diverged":
            per_net[self.diverged] = np.nan
        xs = list(dict.fromkeys(s[x] for s in self.settings))
        ys = list(dict.fromkeys(s[y] for s in self.settings))
        grid = np.full((len(ys), len(xs)), np.nan)
        for (vx, vy), idx in self.groups((x, y)).items():
            grid[ys.index(vy), xs.index(vx)] = _stats(per_net[idx])[0]
        ax = new_axes(1, width=1.2 + 0.6 * len(xs), height=1.2 + 0.45 * len(ys)) if ax is None else ax
        from matplotlib.colors import LogNorm
        finite = grid[np.isfinite(grid)]
        log = value == "loss" and finite.size > 0 and finite.min() > 0
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", norm=LogNorm() if log else None,
                       **({} if value == "loss" else {"vmin": 0, "vmax": 1}))
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, "div" if np.isnan(v) else (f"{v:.2g}" if value == "loss" else f"{v:.0%}"),
                    ha="center", va="center", fontsize="x-small", color="k" if im.norm(v) > 0.6 else "w")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        others = [n for n in self.swept if n not in (x, y)]
        ax.set_title(f"final {value}" + (f", mean over {', '.join(others)}" if others else ""), fontsize="medium")
        ax.figure.colorbar(im, ax=ax)
        return ax

    def plot_curves(self, by=None, metric: str = "loss", band: str = "std", ax=None, logy: bool = True):
        """One line per group (see ``groups``): the mean per-epoch ``metric`` ("loss" or "accuracy")
        over its networks, with a band of ± one std (``band="std"``) or min to max (``"minmax"``).
        Diverged networks leave the mean from their divergence on (counted in the label). With a
        log scale, a std band reaching below zero is drawn down to the mean only. Returns the axes."""
        curves = getattr(self, lookup({"loss": "loss", "accuracy": "accuracy"}, metric, "metric"))
        lookup({"std": 0, "minmax": 0}, band, "band")
        ax = new_axes(1, width=4.2) if ax is None else ax
        epochs = np.arange(1, self.epochs + 1)
        for key, idx in self.groups(by).items():
            with np.errstate(over="ignore", invalid="ignore"):
                mean, lo, hi = _band(curves[idx], band)
            if logy and metric == "loss":
                lo = np.where(lo > 0, lo, mean)
            label = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(self._by(by), key)) or "all"
            d = int(self.diverged[idx].sum())
            (line,) = ax.plot(epochs, mean, lw=1.5, label=label + (f" ({d}/{len(idx)} diverged)" if d else ""))
            ax.fill_between(epochs, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        if logy and metric == "loss":
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"mean {metric} ± {'std' if band == 'std' else 'min–max'}", fontsize="medium")
        ax.legend(fontsize="x-small")
        return ax

    def __repr__(self):
        swept = ", ".join(f"{n} ({len(set(s[n] for s in self.settings))})" for n in self.swept) or "nothing"
        return (f"SweepResult({len(self)} networks × {self.epochs} epochs; swept: {swept}; "
                f"{int(self.diverged.sum())} diverged, {int(self.stuck.sum())} stuck)")
