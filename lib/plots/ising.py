"""The figures of the chapter on the Ising model. Each takes arrays and returns a Figure.

Drawn in the book's style (:func:`lib.plots.style.book_style`) for its ~690 px content column.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors, ticker

from lib.ising_exact import CRITICAL_TEMPERATURE
from lib.plots.style import COLUMN_WIDTH_IN, _style_cycle, book_style

#: Spin down white, spin up black.
SPIN_COLOURS = colors.ListedColormap(["#ffffff", "#202020"])


@book_style
def plot_configurations(spins, temperatures, titles=None):
    """One configuration per panel, spins up black and down white.

    ``spins``: ``(n, L, L)`` of +-1; ``temperatures``: ``(n,)``. Returns the Figure."""
    spins = np.asarray(spins)
    n = len(spins)
    fig, axes = plt.subplots(1, n, figsize=(COLUMN_WIDTH_IN, COLUMN_WIDTH_IN / n + 0.5), layout="constrained")
    for i, (ax, s, t) in enumerate(zip(np.atleast_1d(axes), spins, temperatures)):
        ax.imshow(s, cmap=SPIN_COLOURS, vmin=-1, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        m = float(np.mean(s))
        ax.set_title(titles[i] if titles else f"T = {t:.2f}, m = {m:+.2f}")
    return fig


@book_style
def plot_sampler_against_exact(curves: dict, exact_t, exact_energy, exact_m):
    """Energy per spin and ``|m|`` of the samples against Onsager's and Yang's infinite-lattice curves.

    ``curves``: ``{L: (temperatures (n,), energy (n,), energy_error (n,), abs_m (n,), abs_m_error (n,))}``;
    ``exact_*``: ``(k,)`` arrays. Returns the Figure."""
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH_IN, 3.4), layout="constrained")
    for ax, exact, index, label in ((axes[0], exact_energy, 1, "energy per spin $e$"),
                                    (axes[1], exact_m, 3, r"$\langle |m| \rangle$")):
        ax.plot(exact_t, exact, color="k", lw=1.2, label="exact, $L = \\infty$", zorder=1)
        for i, (L, values) in enumerate(curves.items()):
            style = _style_cycle(i)
            ax.errorbar(values[0], values[index], yerr=values[index + 1], ls="none", marker=style["marker"],
                        mfc="none", ms=4.5, mew=1.0, label=f"samples, $L = {L}$")
        ax.axvline(CRITICAL_TEMPERATURE, color="0.5", lw=0.8, ls=":")
        ax.set_xlabel("temperature $T$")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels))
    return fig


@book_style
def plot_p_ordered(grid, curves: dict):
    """``P(ordered)`` against ``T``: one panel per network, one line per ``L``.

    ``curves``: ``{network: {L: (mean (n_T,), low (n_T,), high (n_T,))}}`` (``low``/``high``:
    the lowest and highest seed). Returns the Figure."""
    fig, axes = plt.subplots(1, len(curves), figsize=(COLUMN_WIDTH_IN, 3.0), sharey=True, layout="constrained")
    for ax, (name, per_size) in zip(np.atleast_1d(axes), curves.items()):
        for i, (L, (mean, low, high)) in enumerate(per_size.items()):
            style = _style_cycle(i)
            line, = ax.plot(grid, mean, ms=4, lw=1.2, label=f"$L = {L}$", **style)
            ax.fill_between(grid, low, high, color=line.get_color(), alpha=0.2, lw=0)
        ax.axhline(0.5, color="0.5", lw=0.8)
        ax.axvline(CRITICAL_TEMPERATURE, color="k", lw=0.8, ls=":")
        ax.set_title(name)
        ax.set_xlabel("$T$")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("P(ordered)")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels))
    return fig


@book_style
def plot_finite_size(sizes, panels: dict):
    """The crossing ``T_L`` against ``1/L`` with its error bars and the fit ``T_c + a/L``, per
    network; one panel per entry of ``panels``, stacked, sharing the axes.

    ``panels``: ``{title: (crossings, fits)}`` with ``crossings`` ``{network: (values (n,),
    errors (n,))}`` and ``fits`` ``{network: finite_size_fit dict}`` (a network without a fit
    has no line). Onsager's ``T_c`` is a star at ``1/L = 0``. Returns the Figure."""
    inverse = 1.0 / np.asarray(sizes, dtype=float)
    fig, axes = plt.subplots(len(panels), 1, figsize=(COLUMN_WIDTH_IN, 2.9 * len(panels)), sharex=True,
                             sharey=True, layout="constrained", squeeze=False)
    x = np.linspace(0, inverse.max() * 1.1, 50)
    names = list(dict.fromkeys(name for crossings, _ in panels.values() for name in crossings))
    for ax, (title, (crossings, fits)) in zip(axes[:, 0], panels.items()):
        for name, (values, errors) in crossings.items():
            i = names.index(name)
            style = _style_cycle(i)
            shift = (i - (len(names) - 1) / 2) * 0.0006  # side by side, so the bars do not hide each other
            bars = ax.errorbar(inverse + shift, values, yerr=errors, ls="none", marker=style["marker"],
                               mfc="none", ms=6, mew=1.3, capsize=3, label=name, color=f"C{i}")
            if name in fits:
                fit = fits[name]
                ax.plot(x, fit["T_c"] + fit["a"] * x, ls=style["ls"], lw=1.0, color=bars[0].get_color())
                ax.errorbar([shift], [fit["T_c"]], yerr=[fit["error"]], marker=style["marker"], ms=6,
                            color=bars[0].get_color(), capsize=3)
        ax.plot([0], [CRITICAL_TEMPERATURE], marker="*", ms=13, color="k", ls="none", label="Onsager's $T_c$")
        ax.set_title(title)
        ax.set_ylabel("crossing $T_L$")
        ax.grid(alpha=0.3)
    handles = {}  # one legend below the panels, each network once
    for ax in axes[:, 0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=len(handles))
    axes[-1, 0].set_xlabel("$1/L$")
    axes[-1, 0].set_xlim(-0.004, inverse.max() * 1.12)
    return fig


@book_style
def plot_collapse(grid, curves: dict, nu: float = 1.0):
    """``P(ordered)`` against ``(T - T_c) L^(1/nu)``, one line per ``L`` (Onsager's ``T_c``).

    ``curves``: ``{L: mean (n_T,)}``. Returns the Figure."""
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH_IN, 3.0), sharey=True, layout="constrained")
    for i, (L, mean) in enumerate(curves.items()):
        style = _style_cycle(i)
        axes[0].plot(grid, mean, ms=4, lw=1.2, label=f"$L = {L}$", **style)
        axes[1].plot((np.asarray(grid) - CRITICAL_TEMPERATURE) * L ** (1 / nu), mean, ms=4, lw=1.2, **style)
    axes[0].set_xlabel("$T$")
    axes[0].set_title("against temperature")
    axes[1].set_xlabel(r"$(T - T_c)\, L^{1/\nu}$, $\nu = 1$")
    axes[1].set_title("against the scaling variable")
    axes[0].set_ylabel("P(ordered)")
    for ax in axes:
        ax.axhline(0.5, color="0.5", lw=0.8)
        ax.grid(alpha=0.3)
    axes[0].axvline(CRITICAL_TEMPERATURE, color="k", lw=0.8, ls=":")
    axes[1].axvline(0, color="k", lw=0.8, ls=":")
    fig.legend(loc="outside lower center", ncol=len(curves))
    return fig


@book_style
def plot_features(feature, abs_m, energy, temperatures):
    """A pooled feature against ``|m|`` and against ``e``, one dot per configuration, coloured by ``T``.

    All arguments ``(N,)``. Returns the Figure."""
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH_IN, 3.3), sharey=True, layout="constrained")
    norm = colors.Normalize(np.min(temperatures), np.max(temperatures))
    for ax, x, label in ((axes[0], abs_m, "$|m|$"), (axes[1], energy, "energy per spin $e$")):
        points = ax.scatter(x, feature, c=temperatures, cmap="coolwarm", norm=norm, s=5, alpha=0.7, lw=0)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("pooled feature")
    bar = fig.colorbar(points, ax=axes, shrink=0.9)
    bar.set_label("temperature $T$")
    bar.ax.yaxis.set_major_locator(ticker.MaxNLocator(5))
    return fig
