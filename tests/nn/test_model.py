"""DEGnext network: input grid rule, shapes, parameter names, heads, published weights."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from degnext.errors import DEGnextInputError
from degnext.evaluation.metrics import binary_metrics
from degnext.nn.inference import predict
from degnext.nn.model import DEGnext, load_published, reshape_dims
from tests.tiny_project import SHARED

RELEASE = SHARED / "data" / "degnext_release"
PUBLISHED = RELEASE / "pretrained" / "DEGnextModel_transfer.pth"
LENGTHS = [*range(2, 61), 89, 433, 434, 1215]


def _needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared file {path} is absent (it lives beside the project in ../shared)")
    return path


def _brute_grid(m: int) -> tuple[int, int]:
    cols = max(d for d in range(1, m + 1) if m % d == 0 and d * d <= m)
    return m // cols, cols


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (45, (9, 5, 0)),
        (434, (31, 14, 0)),
        (433, (31, 14, 1)),
        (89, (10, 9, 1)),
        (1215, (45, 27, 0)),
    ],
)
def test_reshape_dims_known_cohort_lengths(n, expected):
    assert reshape_dims(n) == expected


def test_reshape_dims_follows_the_authors_rule_from_3_up():
    for n in range(3, 400):
        is_prime = all(n % k for k in range(2, n))
        rows, cols, pad = reshape_dims(n)
        assert pad == int(is_prime), n
        assert (rows, cols) == _brute_grid(n + pad), n
        assert cols <= math.isqrt(rows * cols)


def test_reshape_dims_pads_tiny_rows_to_a_2x2_grid():
    assert reshape_dims(1) == (2, 2, 3)
    assert reshape_dims(2) == (2, 2, 2)
    with pytest.raises(DEGnextInputError, match="n_inputs"):
        reshape_dims(0)


@pytest.mark.parametrize("n", LENGTHS)
def test_forward_shapes_for_any_length(n):
    x = torch.randn(3, n)
    with torch.inference_mode():
        assert DEGnext(n, 3, seed=0)(x).shape == (3, 3)
        assert DEGnext(n, 1, seed=0)(x).shape == (3,)


def test_forward_reshapes_row_major_with_trailing_zero_pad():
    model = DEGnext(7, seed=0).eval()
    seen = {}
    model.ConvLayer1.register_forward_pre_hook(lambda _m, args: seen.setdefault("x", args[0]))
    x = torch.arange(14, dtype=torch.float32).reshape(2, 7)
    with torch.inference_mode():
        out = model(x)
        padded_out = model(torch.cat([x, torch.zeros(2, 1)], dim=1))
    expected = np.concatenate([x.numpy(), np.zeros((2, 1))], axis=1).reshape(2, 1, 4, 2)
    np.testing.assert_array_equal(seen["x"].numpy(), expected)
    assert torch.equal(out, padded_out)


def test_one_network_takes_any_sample_count_and_rejects_bad_shapes():
    model = DEGnext(45)
    for n in (44, 45, 47, 434):
        assert model(torch.randn(2, n)).shape == (2, 3)
    with pytest.raises(DEGnextInputError, match=r"\(genes, samples\)"):
        model(torch.randn(2, 3, 4))
    with pytest.raises(DEGnextInputError, match="n_outputs"):
        DEGnext(45, 2)


def test_seeded_init_is_reproducible():
    a, b, c = DEGnext(45, seed=3), DEGnext(45, seed=3), DEGnext(45, seed=4)
    sb, sc = b.state_dict(), c.state_dict()
    for k, va in a.state_dict().items():
        assert torch.equal(va, sb[k]), k
        assert not torch.equal(va, sc[k]), k


def test_architecture_matches_the_paper():
    model = DEGnext(45)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [
        (1, 6),
        (6, 12),
        (12, 24),
        (24, 48),
        (48, 64),
        (64, 102),
        (102, 164),
        (164, 256),
    ]
    assert all(
        c.kernel_size == (3, 3) and c.stride == (1, 1) and c.padding == (1, 1) for c in convs
    )
    assert isinstance(model.ConvLayer4[2], torch.nn.MaxPool2d)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(lin.in_features, lin.out_features) for lin in linears] == [
        (256, 120),
        (120, 64),
        (64, 32),
        (32, 8),
        (8, 3),
    ]


def test_swap_to_binary_head_keeps_trunk():
    model = DEGnext(45, seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("Lin5")}
    model.swap_to_binary_head(seed=1)
    after = model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items())
    assert after["Lin5.weight"].shape == (1, 8) and "Lin5.0.weight" not in after
    assert model.config.n_outputs == 1 and model.is_binary
    assert model(torch.randn(4, 45)).shape == (4,)


def test_softmax_output_option_returns_probabilities():
    with torch.inference_mode():
        out = DEGnext(45, softmax_output=True, seed=0)(torch.randn(5, 45))
    torch.testing.assert_close(out.sum(dim=1), torch.ones(5))


def test_published_state_dict_loads_strictly():
    state = torch.load(_needs(PUBLISHED), map_location="cpu", weights_only=True)
    model = DEGnext(433, 1)
    assert list(model.state_dict()) == list(state)
    loaded = load_published(PUBLISHED, 433)
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in state.items())
    with pytest.raises(RuntimeError):
        DEGnext(433, 3).load_state_dict(state, strict=True)


def test_published_model_reproduces_table3_blca_with_release_options():
    """BLCA Q through the authors' model; release options (logit threshold, batch mean)."""
    data = RELEASE / "datasets"
    X = np.loadtxt(_needs(data / "TCGA-BLCA_biologically_validated_data.csv"), delimiter=",")
    y = np.loadtxt(data / "TCGA-BLCA_biologically_validated_labels.txt").astype(int)
    table3 = pd.read_csv(
        _needs(SHARED / "data" / "paper_tables" / "table3_transfer_learning_Q.csv")
    )
    paper = table3.set_index("dataset").loc["BLCA"]
    p_up = predict(load_published(PUBLISHED, X.shape[1]), X, device="cpu")
    got = binary_metrics(y, p_up, decision="logit", aggregate="batch_mean", batch_size=64)
    for key in ("accuracy", "recall", "precision"):
        assert got[key] == pytest.approx(paper[key], abs=0.005), key
    for key in ("f_measure", "mcc"):
        assert got[key] == pytest.approx(paper[key], abs=0.005), key
