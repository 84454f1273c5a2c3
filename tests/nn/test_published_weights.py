"""The authors' published transfer model: strict import, checkpoint round trip, Table 3 reproduced.

With the release's options (N(0, 1) noise from np.random.seed(0) on the zero-padded matrix, UR when
logit >= 0.5, scores per batch of 64 rows averaged) the published weights on the released Q give
every printed Table 3 value of all 8 untrained cohorts to within 0.005 (each cohort a test case;
benchmarks/bench_published_weights.py prints the comparison).
"""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.special import expit

from degnext.data.release import read_release
from degnext.datasets import CheckpointDataset
from degnext.evaluation.metrics import binary_metrics
from degnext.nn.inference import binary_logits, release_inputs
from degnext.nn.model import DEGnext, load_published
from tests.tiny_project import SHARED

RELEASE = SHARED / "data" / "degnext_release"
WEIGHTS = RELEASE / "pretrained" / "DEGnextModel_transfer.pth"
TABLES = SHARED / "data" / "paper_tables"
METRICS = ("accuracy", "recall", "precision", "f_measure", "mcc")
TOLERANCE = 0.005 + 1e-9  # the paper prints two decimals

pytestmark = pytest.mark.skipif(
    not WEIGHTS.is_file(), reason=f"{WEIGHTS} is absent (../shared beside the project root)"
)


def _q(cancer: str) -> tuple[np.ndarray, np.ndarray]:
    """Q = F1 rows then T3 rows, the row order of the release's biologically_validated_data."""
    cohort = read_release(RELEASE, cancer)
    parts = [cohort.split(name) for name in ("F1", "T3")]
    X = np.vstack([part[0].to_numpy() for part in parts])
    return X, np.concatenate([part[1].to_numpy() for part in parts])


def _release_scores(cancer: str) -> dict[str, float]:
    X, y = _q(cancer)
    model = load_published(WEIGHTS, X.shape[1])
    logit = binary_logits(model, release_inputs(X, model, seed=0), device="cpu")
    return binary_metrics(
        y, expit(logit), threshold=0.5, decision="logit", aggregate="batch_mean", batch_size=64
    )


def test_published_state_dict_imports_strictly():
    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    model = DEGnext(45, 1)
    result = model.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert model.state_dict().keys() == state.keys()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
    assert tuple(state["Lin5.weight"].shape) == (1, 8)
    with pytest.raises(RuntimeError, match="Lin5"):
        DEGnext(45, 3).load_state_dict(state, strict=True)
    wide = load_published(WEIGHTS, 433)  # the weights fit any sample count (global pooling)
    assert all(torch.equal(wide.state_dict()[k], v) for k, v in state.items())


def test_checkpoint_round_trip_gives_identical_outputs(tmp_path):
    X, _ = _q("CHOL")
    model = load_published(WEIGHTS, X.shape[1])
    dataset = CheckpointDataset(filepath=str(tmp_path / "published.pt"))
    dataset.save(model)
    loaded = dataset.load()
    assert loaded.config == model.config and loaded.provenance == model.provenance
    before = binary_logits(model, X, device="cpu")
    after = binary_logits(loaded, X, device="cpu")
    assert np.array_equal(before, after)
    assert np.unique(before >= 0.5).size == 2  # a real mix of UR and DR calls, not a constant


@pytest.mark.parametrize("cancer", ["BLCA", "CHOL", "COAD", "ESCA", "HNSC", "KICH", "READ", "STAD"])
def test_table3_reproduced_with_release_options(cancer):
    sizes = pd.read_csv(TABLES / "table6_dataset_sizes.csv").set_index("dataset")
    paper = pd.read_csv(TABLES / "table3_transfer_learning_Q.csv").set_index("dataset")
    assert len(_q(cancer)[1]) == sizes.loc[cancer, "bio_genes_Q"]
    scores = _release_scores(cancer)
    off = {
        m: round(scores[m] - float(paper.loc[cancer, m]), 4)
        for m in METRICS
        if abs(scores[m] - float(paper.loc[cancer, m])) > TOLERANCE
    }
    assert not off, f"{cancer}: differences from the printed Table 3: {off}"


@pytest.mark.parametrize("cancer", ["ESCA", "READ"])
def test_our_default_scoring_differs_from_the_release_scoring(cancer):
    """Documented, not a reproduction: P >= 0.5 over all genes moves these two by > 3 points."""
    paper = pd.read_csv(TABLES / "table3_transfer_learning_Q.csv").set_index("dataset")
    X, y = _q(cancer)
    model = load_published(WEIGHTS, X.shape[1])
    ours = binary_metrics(y, expit(binary_logits(model, X, device="cpu")))
    assert abs(ours["accuracy"] - paper.loc[cancer, "accuracy"]) > 3
