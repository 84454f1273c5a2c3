"""Training loop, cross-validation and inference (small CPU problems)."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from degnext.errors import DEGnextInputError
from degnext.nn import device, progress, training
from degnext.nn.cross_validation import cross_validate
from degnext.nn.device import resolve_device
from degnext.nn.inference import predict
from degnext.nn.model import DEGnext
from degnext.nn.training import StageParams, fit, fit_sequential

N_SAMPLES = 16


def _cohort(
    n_genes: int = 192, seed: int = 0, n_samples: int = N_SAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Genes whose tumor half is shifted up (UR), down (DR) or not (neutral)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n_genes)
    shift = np.select([y == 1, y == 0], [2.0, -2.0], 0.0)
    X = rng.normal(size=(n_genes, n_samples))
    X[:, n_samples // 2 :] += shift[:, None]
    return X.astype(np.float32), y


def _loss(model: DEGnext, X: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        return float(
            torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
        )


def test_stage_params_defaults_are_table7():
    first, fine = StageParams(), StageParams.fine_tune()
    assert (
        first.epochs,
        first.batch_size,
        first.lr,
        first.betas,
        first.eps,
        first.weight_decay,
    ) == (50, 256, 1e-4, (0.9, 0.999), 1e-8, 0.0)
    assert (fine.epochs, fine.batch_size, fine.lr) == (31, 64, 1e-4)
    with pytest.raises(DEGnextInputError, match="batch_size"):
        StageParams(batch_size=0)


def test_one_epoch_lowers_the_loss_on_a_fixed_batch():
    X, y = _cohort(128)
    model = DEGnext(N_SAMPLES, seed=0)
    before = _loss(model, X, y)
    history = fit(model, X, y, StageParams(epochs=1, batch_size=32, lr=1e-3), seed=0, device="cpu")
    assert list(history.columns) == ["epoch", "loss"] and len(history) == 1
    assert _loss(model, X, y) < before


def test_same_seed_same_run_different_seed_different_run():
    X, y = _cohort(96)
    params = StageParams(epochs=3, batch_size=32, lr=1e-3)
    runs = []
    for seed in (7, 7, 8):
        model = DEGnext(N_SAMPLES, seed=0)
        history = fit(model, X, y, params, seed=seed, device="cpu", input_noise_std=1.0)
        runs.append((history["loss"].to_numpy(), model.state_dict()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert all(torch.equal(v, runs[1][1][k]) for k, v in runs[0][1].items())
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_binary_head_trains_with_bce_and_predicts_p_up():
    X, y = _cohort(96)
    keep = y < 2
    model = DEGnext(N_SAMPLES, seed=0).swap_to_binary_head(seed=0)
    fit(model, X[keep], y[keep], StageParams.fine_tune(epochs=2), seed=0, device="cpu")
    p = predict(model, X, batch_size=17, device="cpu")
    assert p.shape == (96,) and ((p > 0) & (p < 1)).all()
    with pytest.raises(DEGnextInputError, match="label 2 in row"):
        fit(model, X, y, StageParams(epochs=1), seed=0, device="cpu")
    with pytest.raises(DEGnextInputError, match="loss='cross_entropy'"):
        fit(
            model,
            X[keep],
            y[keep],
            StageParams(epochs=1),
            seed=0,
            device="cpu",
            loss="cross_entropy",
        )


def test_predict_three_class_probabilities_batched_like_unbatched():
    X, _ = _cohort(50)
    model = DEGnext(N_SAMPLES, seed=1)
    p = predict(model, X, batch_size=7, device="cpu")
    assert p.shape == (50, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p, predict(model, X, device="cpu"), rtol=1e-5, atol=1e-6)


def test_fit_records_provenance_and_runs_bf16_autocast():
    X, y = _cohort(64)
    model = DEGnext(N_SAMPLES, seed=0)
    history = fit(
        model,
        X,
        y,
        StageParams(epochs=1, batch_size=32),
        seed=0,
        device="cpu",
        amp_dtype="bfloat16",
        stage="first_level",
    )
    assert np.isfinite(history["loss"]).all()
    stage = model.provenance["stages"][-1]
    assert (
        stage["stage"] == "first_level"
        and stage["n_genes"] == 64
        and stage["amp_dtype"] == "bfloat16"
    )
    with pytest.raises(DEGnextInputError, match="amp_dtype"):
        fit(model, X, y, StageParams(epochs=1), seed=0, device="cpu", amp_dtype="float8")


def test_a_pipelines_amp_dtype_reaches_every_stage():
    X, y = _cohort(64)
    params = {
        "seed": 3,
        "device": "cpu",
        "input_noise_std": 0.0,
        "amp_dtype": "bfloat16",
        "first_level": {"epochs": 1, "batch_size": 32, "betas": [0.9, 0.999]},
        "fine_tune": {"epochs": 1, "batch_size": 32, "betas": [0.9, 0.999]},
    }
    model = DEGnext(N_SAMPLES, seed=0)
    training.train_stage(model, [(X, y)], params, "first_level", ["A"])
    tuned, _ = training.fine_tuned(model, [(X, (y == 1).astype(int))], params, ["A"])
    assert [stage["amp_dtype"] for stage in tuned.provenance["stages"]] == ["bfloat16"] * 2
    fp32 = DEGnext(N_SAMPLES, seed=0)
    training.train_stage(fp32, [(X, y)], {**params, "amp_dtype": None}, "first_level", ["A"])
    assert fp32.provenance["stages"][-1]["amp_dtype"] is None


def test_bad_inputs_name_the_culprit():
    X, y = _cohort(20)
    model = DEGnext(N_SAMPLES)
    X_bad = X.copy()
    X_bad[13, 2] = np.nan
    with pytest.raises(DEGnextInputError, match="row 13"):
        fit(model, X_bad, y, StageParams(epochs=1), seed=0, device="cpu")
    with pytest.raises(DEGnextInputError, match="no training rows"):
        fit(model, X[:0], y[:0], StageParams(epochs=1), seed=0, device="cpu")
    with pytest.raises(DEGnextInputError, match="one per gene row"):
        fit(model, X, y[:-1], StageParams(epochs=1), seed=0, device="cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DEGnextInputError, match="CUDA"):
            resolve_device("cuda")


def test_cross_validate_returns_every_fold_and_marks_the_best():
    X, y = _cohort(150)
    folds = np.arange(150) % 3
    models, table = cross_validate(
        X, y, folds, StageParams(epochs=2, batch_size=32, lr=1e-3), seed=0, device="cpu"
    )
    assert list(table["fold"]) == [0, 1, 2] == sorted(models)
    assert (table["n_train"] + table["n_val"] == 150).all()
    for fold, model in models.items():
        val = folds == fold
        acc = 100 * (predict(model, X[val], device="cpu").argmax(axis=1) == y[val]).mean()
        assert acc == pytest.approx(table.set_index("fold").loc[fold, "accuracy"])
        assert model.provenance["fold"] == fold
        assert len(model.provenance["cv"]) == 3
    ranked = table.sort_values(["accuracy", "loss", "fold"], ascending=[False, True, True])
    assert table.loc[table["best"], "fold"].item() == ranked["fold"].iloc[0]
    assert table["best"].sum() == 1
    weights = [m.state_dict()["ConvLayer1.0.weight"] for m in models.values()]
    assert not torch.equal(weights[0], weights[1])
    with pytest.raises(DEGnextInputError, match="at least 2"):
        cross_validate(X, y, np.zeros(150, dtype=int), StageParams(epochs=1), seed=0, device="cpu")
    with pytest.raises(DEGnextInputError, match="integer fold id"):
        cross_validate(X, y, folds.astype(float), StageParams(epochs=1), seed=0, device="cpu")


def test_sequential_training_visits_cohorts_of_different_widths_in_order():
    rng = np.random.default_rng(0)
    cohorts = [
        (rng.normal(size=(40, 12)).astype(np.float32), rng.integers(0, 3, 40)),
        (rng.normal(size=(0, 20)).astype(np.float32), np.zeros(0, dtype=int)),
        (rng.normal(size=(30, 23)).astype(np.float32), rng.integers(0, 3, 30)),
    ]
    first, again = DEGnext(12, seed=1), DEGnext(12, seed=1)
    history = fit_sequential(
        first, cohorts, StageParams(epochs=2, batch_size=16), seed=3, device="cpu"
    )
    assert list(zip(history["epoch"], history["cohort"], strict=True)) == [
        (1, 0),
        (1, 1),
        (2, 0),
        (2, 1),
    ]
    repeat = fit_sequential(
        again, cohorts, StageParams(epochs=2, batch_size=16), seed=3, device="cpu"
    )
    pd.testing.assert_frame_equal(history, repeat)
    assert first.provenance["stages"][-1]["n_genes"] == [40, 30]


def test_fit_is_sequential_training_on_one_cohort():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 16)).astype(np.float32), rng.integers(0, 3, 50)
    a, b = DEGnext(16, seed=2), DEGnext(16, seed=2)
    single = fit(a, X, y, StageParams(epochs=3, batch_size=8), seed=4, device="cpu")
    many = fit_sequential(b, [(X, y)], StageParams(epochs=3, batch_size=8), seed=4, device="cpu")
    assert single["loss"].tolist() == many["loss"].tolist()


def _plain_loop(
    model: DEGnext, X: np.ndarray, y: np.ndarray, params: StageParams, seed: int
) -> np.ndarray:
    """The textbook loop (as the authors wrote it): a DataLoader over a TensorDataset, the default
    layout, zero_grad and loss.item() every batch; one seeded permutation per epoch."""
    labels = torch.from_numpy(y.astype(np.float32) if model.is_binary else y)
    data = TensorDataset(torch.from_numpy(X), labels)
    loss_fn = nn.BCEWithLogitsLoss() if model.is_binary else nn.CrossEntropyLoss()
    opt = torch.optim.Adam(
        model.parameters(),
        lr=params.lr,
        betas=params.betas,
        eps=params.eps,
        weight_decay=params.weight_decay,
    )
    gen = torch.Generator().manual_seed(seed)
    model.train()
    curve = []
    for _ in range(params.epochs):
        order = torch.randperm(len(data), generator=gen).tolist()
        total = 0.0
        for xb, yb in DataLoader(data, batch_size=params.batch_size, sampler=order):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        curve.append(total / len(data))
    return np.array(curve)


def _max_weight_gap(a: DEGnext, b: DEGnext) -> float:
    pairs = zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    return max(float((p - q).abs().max()) for p, q in pairs)


@pytest.mark.parametrize(
    ("n_samples", "binary"),
    [(16, False), (31, True)],  # 31 is prime: one zero column pads it to 32
    ids=["first_level", "fine_tune_padded"],
)
def test_speed_ups_that_change_no_math_keep_the_loss_curve(n_samples, binary):
    """Issue 7: a fixed-seed short training gives the plain loop's loss curve.

    Preloaded tensors, one permutation per epoch, the loss summed on the device: the plain loop's
    weights bit for bit (default layout). Channels-last sums the convolutions in another order:
    float rounding (~1e-7), which Adam amplifies over long trainings, so the run is short (Table
    7's lr). A real change, such as another batch order, moves the weights by ~1e-3.
    """
    X, y = _cohort(128, n_samples=n_samples)
    if binary:
        X, y = X[y < 2], y[y < 2]

    def new_model() -> DEGnext:
        model = DEGnext(n_samples, seed=0)
        return model.swap_to_binary_head(seed=0) if binary else model

    params = StageParams(epochs=3, batch_size=32, lr=1e-4)
    plain = new_model()
    reference = _plain_loop(plain, X, y, params, seed=5)

    default_layout = new_model()
    curve = fit(default_layout, X, y, params, seed=5, device="cpu", memory_format="contiguous")
    np.testing.assert_allclose(curve["loss"], reference, rtol=1e-6, atol=0)
    assert _max_weight_gap(default_layout, plain) == 0.0

    fast = new_model()
    curve = fit(fast, X, y, params, seed=5, device="cpu")
    assert fast.provenance["stages"][-1]["memory_format"] == "channels_last"
    np.testing.assert_allclose(curve["loss"], reference, rtol=1e-5, atol=0)
    assert _max_weight_gap(fast, plain) < 1e-5

    shuffled = new_model()
    _plain_loop(shuffled, X, y, params, seed=6)
    assert _max_weight_gap(shuffled, plain) > 1e-4


def test_memory_format_and_threads_are_recorded_and_checked():
    X, y = _cohort(32)
    model = DEGnext(N_SAMPLES, seed=0)
    fit(model, X, y, StageParams(epochs=1), seed=0, device="cpu", memory_format="contiguous")
    stage = model.provenance["stages"][-1]
    assert stage["memory_format"] == "contiguous"
    assert stage["torch_threads"] == torch.get_num_threads()
    with pytest.raises(DEGnextInputError, match="memory_format"):
        fit(model, X, y, StageParams(epochs=1), seed=0, device="cpu", memory_format="nhwc")


def test_cuda_copies_are_pinned_and_non_blocking_cpu_copies_plain():
    """The GPU copy path (pinned host memory, asynchronous copy), checked without a GPU."""
    calls = []

    class RecordingTensor:
        def pin_memory(self):
            calls.append("pin_memory")
            return self

        def to(self, device, non_blocking=False):
            calls.append((str(device), non_blocking))
            return self

    device.to_device(RecordingTensor(), torch.device("cuda"))
    assert calls == ["pin_memory", ("cuda", True)]
    calls.clear()
    device.to_device(RecordingTensor(), torch.device("cpu"))
    assert calls == [("cpu", False)]


def test_balanced_sampling_draws_each_class_equally_and_is_off_by_default():
    assert StageParams().sampling == StageParams.fine_tune().sampling == "uniform"
    y = torch.tensor([0] * 90 + [1] * 10, dtype=torch.float32)
    uniform = training._epoch_order(y, "uniform", torch.Generator().manual_seed(3))
    assert sorted(uniform.tolist()) == list(range(100))  # every row once
    draws = torch.cat(
        [training._epoch_order(y, "balanced", torch.Generator().manual_seed(s)) for s in range(20)]
    )
    share_up = (y[draws] == 1).float().mean().item()
    assert abs(share_up - 0.5) < 0.05  # 10 % of rows, half of the draws
    again = training._epoch_order(y, "balanced", torch.Generator().manual_seed(0))
    assert torch.equal(again, draws[:100])  # seeded
    with pytest.raises(DEGnextInputError, match="sampling"):
        StageParams(sampling="oversample")


def test_balanced_fine_tune_lifts_the_minority_class_off_zero():
    rng = np.random.default_rng(0)
    y = (np.arange(120) < 12).astype(int)  # 10 % UR
    X = rng.normal(size=(120, N_SAMPLES)).astype(np.float32)
    X[y == 1, N_SAMPLES // 2 :] += 1.5
    recalls = {}
    for sampling in ("uniform", "balanced"):
        model = DEGnext(N_SAMPLES, 1, seed=0)
        fit(
            model,
            X,
            y,
            StageParams(epochs=3, batch_size=32, lr=1e-3, sampling=sampling),
            seed=0,
            device="cpu",
        )
        recalls[sampling] = (predict(model, X, device="cpu")[y == 1] >= 0.5).mean()
    assert recalls["balanced"] > recalls["uniform"]


def test_progress_names_cohorts_and_stage_from_the_first_epoch_with_an_eta(caplog):
    """Issue 17: a line when training starts and after epoch 1, then at most one per interval."""
    X, y = _cohort(64)
    model = DEGnext(N_SAMPLES, seed=0)
    params = StageParams(epochs=6, batch_size=32)
    with caplog.at_level("INFO", logger="degnext.nn.training"):
        fit_sequential(
            model, [(X, y), (X[:40], y[:40])], params, seed=0, device="cpu",
            stage="first_level", cohorts=["SYN_A", "SYN_B"], log_every_s=3600,
        )  # fmt: skip
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "SYN_A + SYN_B first level: 6 epochs over 104 genes on cpu"
    progress = [r for r in caplog.records if hasattr(r, "progress")]
    assert [r.progress["epoch"] for r in progress] == [1, 6]  # interval not reached in between
    assert progress[0].getMessage().startswith("SYN_A + SYN_B first level: epoch 1/6, loss ")
    assert "ETA " in progress[0].getMessage() and progress[0].progress["eta_s"] > 0
    assert progress[-1].progress["eta_s"] == 0 and progress[-1].getMessage().endswith("ETA 0 s")
    caplog.clear()
    with caplog.at_level("INFO", logger="degnext.nn.training"):
        fit(model, X, y, params, seed=0, device="cpu", stage="fine_tune", log_every_s=0)
    epochs = [r.progress["epoch"] for r in caplog.records if hasattr(r, "progress")]
    assert epochs == [1, 2, 3, 4, 5, 6]
    assert caplog.records[0].getMessage().startswith("model fine tune: ")


def test_cross_validation_progress_names_the_fold(caplog):
    X, y = _cohort(90)
    folds = np.arange(90) % 3
    with caplog.at_level("INFO", logger="degnext.nn.training"):
        cross_validate(
            X, y, folds, StageParams(epochs=1, batch_size=32), seed=0, device="cpu",
            cohorts=["SYN_C"],
        )  # fmt: skip
    lines = [r.getMessage() for r in caplog.records]
    assert "SYN_C first level fold 1 (2 of 3): 1 epochs over 60 genes on cpu" in lines
    assert any(line.startswith("SYN_C first level fold 2: validation accuracy") for line in lines)


@pytest.mark.parametrize(
    ("seconds", "text"), [(41.6, "42 s"), (185, "3 min 05 s"), (3725, "1 h 02 min")]
)
def test_eta_reads_at_a_glance(seconds, text):
    assert progress.duration(seconds) == text
