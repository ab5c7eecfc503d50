"""The book's figures. Each function takes arrays (never a model) and returns a matplotlib Figure.

Computing lives in :mod:`lib.analysis` and the chapters' modules; this package only draws, so
both halves can be tested separately. Its modules:

- :mod:`lib.plots.style`: the one style every figure is drawn in, sized for the book's ~690 px
  content column (:data:`~lib.plots.style.COLUMN_WIDTH_IN`, :func:`~lib.plots.style.book_style`);
- :mod:`lib.plots.common`: figures more than one chapter draws;
- :mod:`lib.plots.translation`, :mod:`lib.plots.black_box`, :mod:`lib.plots.rotation`,
  :mod:`lib.plots.ising`, :mod:`lib.plots.playground`: each chapter's own figures.

The figures of chapters 1 to 3, the playground and the shared ones are importable from
``lib.plots`` itself; ``benchmarks/render_figures.py`` renders them all for a look.
"""

from lib.plots.black_box import (plot_class_unit_means, plot_confusion, plot_kernels, plot_mean_feature_maps,
                                 plot_misclassified, plot_position_maps, plot_top_exciting, plot_tuning)
from lib.plots.common import canvas_grid, image_grid, plot_data_efficiency, plot_sweep
from lib.plots.playground import plot_turned_digit
from lib.plots.rotation import (plot_confusions, plot_curves, plot_effective_kernel, plot_p4_feature_maps,
                                plot_per_rotation, plot_permutation, plot_rotation_counts, plot_rotation_shift)
from lib.plots.style import COLUMN_WIDTH_IN, FIGURE_DPI, MIN_FONT_PT, STYLE, book_style
from lib.plots.translation import (accuracy_heatmaps, equivariance_panels, kernel_sliding, learning_curves,
                                   network_diagram, plot_shift_sweep, position_coverage)

__all__ = [
    "COLUMN_WIDTH_IN", "FIGURE_DPI", "MIN_FONT_PT", "STYLE", "book_style",
    "canvas_grid", "image_grid", "plot_data_efficiency", "plot_sweep",
    "accuracy_heatmaps", "equivariance_panels", "kernel_sliding", "learning_curves", "network_diagram",
    "plot_shift_sweep", "position_coverage",
    "plot_class_unit_means", "plot_confusion", "plot_kernels", "plot_mean_feature_maps", "plot_misclassified",
    "plot_position_maps", "plot_top_exciting", "plot_tuning",
    "plot_confusions", "plot_curves", "plot_effective_kernel", "plot_p4_feature_maps", "plot_per_rotation",
    "plot_permutation", "plot_rotation_counts", "plot_rotation_shift",
    "plot_turned_digit",
]
