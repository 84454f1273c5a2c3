import numpy as np
import pandas as pd
import pytest

from degnext.data import annotations
from degnext.data.synthetic import Calibration, CohortSpec, generate_cohort
from degnext.errors import DEGnextInputError

CALIBRATION = Calibration(
    phi0=0.29, phi1=20.8, max_dispersion=5.0, log_mean_mu=6.85, log_mean_sd=1.5,
    length_exponent=0.3, abs_log2fc_de_median=0.81, abs_log2fc_de_log_sd=0.91, max_abs_log2fc=6.0, up_fraction=0.55,
    library_log_sd=0.32, de_fraction=0.59, bio_fraction=0.17, knowledge_decoy_fraction=0.25,
)  # fmt: skip


def cohort(seed: int = 1, **overrides):
    spec = CohortSpec(**{"name": "X", "n_genes": 1500, "n_normal": 6, "n_tumor": 30,
                         "outlier_probability": 0.0, "seed": seed, **overrides})  # fmt: skip
    return generate_cohort(
        spec, CALIBRATION, annotations.load_gencode(), annotations.load_gene_info()
    )


def test_same_seed_same_cohort_and_other_seed_differs():
    first, again, other = cohort(1), cohort(1), cohort(2)
    pd.testing.assert_frame_equal(first.counts, again.counts)
    assert not first.counts.equals(other.counts)


def test_shape_barcodes_and_conditions_look_like_tcga():
    result = cohort()
    assert result.counts.shape == (1500, 36)
    assert (result.counts.to_numpy() >= 0).all()
    assert result.counts.index.str.match(r"^ENSG\d{11}\.\d+").mean() > 0.99
    codes = result.samples["barcode"].str.slice(13, 15)
    assert list(codes) == ["11"] * 6 + ["01"] * 30
    assert list(result.samples["condition"]) == ["normal"] * 6 + ["tumor"] * 30


def test_de_genes_move_in_their_true_direction():
    result = cohort(n_normal=20, n_tumor=60)
    counts = result.counts.to_numpy(float) + 1
    observed = np.log2(counts[:, 20:].mean(1) / counts[:, :20].mean(1))
    truth = result.truth["true_log2fc"].to_numpy()
    strong = np.abs(truth) > 1.5
    assert np.mean(np.sign(observed[strong]) == np.sign(truth[strong])) > 0.9


def test_mean_dispersion_relation_follows_calibration():
    result = cohort(n_normal=200, n_tumor=2)
    normal = result.counts.iloc[:, :200].to_numpy(float)
    mean, var = normal.mean(1), normal.var(1, ddof=1)
    high = mean > 1000  # here dispersion ~ phi0 plus library-size variation
    dispersion = np.median((var[high] - mean[high]) / mean[high] ** 2)
    assert CALIBRATION.phi0 < dispersion < CALIBRATION.phi0 + 0.3


def test_outliers_are_shuffled_tumor_samples():
    result = cohort(outlier_probability=1.0)
    assert result.samples.loc[result.samples["condition"] == "tumor", "synthetic_outlier"].all()
    assert not result.samples.loc[
        result.samples["condition"] == "normal", "synthetic_outlier"
    ].any()


def test_knowledge_list_names_de_genes_mostly():
    result = cohort()
    de_symbols = set(
        result.genes.loc[result.truth.set_index("gene_id")["true_log2fc"] != 0, "gene_name"]
    )
    known = set(result.disease_genes["symbol"])
    assert len(known & de_symbols) / len(known) > 0.7


def test_too_few_normals_is_a_clear_error():
    with pytest.raises(DEGnextInputError, match="n_normal=1"):
        cohort(n_normal=1)
