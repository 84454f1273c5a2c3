"""Robustness: accuracy on T3 with Gaussian noise added, for the CNN and every baseline.

Noise of level L% has, for each gene, a standard deviation of L% of that gene's own standard
deviation across samples (the paper's "% standard deviation"); each level is drawn with several
seeds so the report can show mean and spread. Level 0 (no noise) is the reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from degnext.data.splits import gene_rows
from degnext.evaluation import baselines
from degnext.nn import inference
from degnext.nn.model import DEGnext

CNN = "DEGnext"


def noise_robustness(
    general_model: DEGnext,
    baseline_models: dict,
    expression: pd.DataFrame,
    splits: pd.DataFrame,
    samples: pd.DataFrame,
    params: dict,
    cnn_general: dict,
) -> pd.DataFrame:
    """One row per (model, noise level, seed) with the accuracy (%) on noisy T3."""
    device = cnn_general["device"]
    features, labels, _ = gene_rows(expression, splits, ("T3",))
    n_normal = baselines.normal_count(expression, samples)
    records = []
    for level in [0, *params["noise_levels"]]:
        for seed in params["seeds"] if level else params["seeds"][:1]:
            noisy = baselines.add_gaussian_noise(features, level, np.random.default_rng(seed))
            scores = baselines.up_probabilities(baseline_models, noisy, n_normal)
            scores[CNN] = inference.predict(general_model, noisy, device=device)
            records += [
                {
                    "model": name,
                    "noise_level": level,
                    "seed": seed,
                    "accuracy": 100 * np.mean((p >= 0.5) == labels),
                }
                for name, p in scores.items()
            ]
    return pd.DataFrame(records)
