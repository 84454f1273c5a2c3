"""The authors' released splits of one cancer (already filtered, normalized, labelled and split).

The release's file layout is described in its README: per cancer, header-less CSV matrices of
T1/T2/F1/T3 with one label file each, some with gene symbols. `read_release` stacks what exists
into one `ReleaseCohort` and notes what is missing or derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from degnext.data.count_checks import MAX_COUNT
from degnext.errors import DEGnextInputError

RELEASE_SPLITS = ("T1", "T2", "F1", "T3")
_RELEASE_FILES = {  # split -> (matrix, labels, matrix with symbol as first column)
    "T1": ("non_bio_train.csv", "non_bio_train_label.txt", None),
    "T2": ("non_bio_test.csv", "non_bio_test_label.txt", None),
    "F1": ("bio_fine_tune.csv", "bio_fine_tune_label.txt", "bio_fine_tune_data.csv"),
    "T3": ("bio_test.csv", "bio_test_label.txt", "bio_test_data.csv"),
}


@dataclass(frozen=True, eq=False)
class ReleaseCohort:
    """The authors' released splits of one cancer, rows of all available splits stacked.

    expression: genes x samples s0..s{n-1} (normal first, then tumor, as in the files);
    splits: per row its split ("set"), integer "label" and gene "symbol" (NA when unknown).
    t1_source: "T1", or "T2" where T1 is missing and T2 stands in as 3-class training set,
    or None where neither exists. missing: splits whose labels exist but whose matrix does not.
    """

    cancer: str
    expression: pd.DataFrame
    splits: pd.DataFrame
    t1_source: str | None
    missing: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def split(self, name: str) -> tuple[pd.DataFrame, pd.Series]:
        """Expression rows and labels of one split ("T1" follows `t1_source`)."""
        if name == "T1" and self.t1_source is not None:
            name = self.t1_source
        rows = self.splits.index[self.splits["set"] == name]
        if len(rows) == 0:
            raise DEGnextInputError(f"release cohort {self.cancer}: split {name} is not available")
        return self.expression.loc[rows], self.splits.loc[rows, "label"]


def _release_path(root: Path, cancer: str, suffix: str) -> Path:
    return root / "datasets" / f"TCGA-{cancer}_{suffix}"


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _read_release_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, header=None)
    except pd.errors.EmptyDataError:
        raise DEGnextInputError(f"release file {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DEGnextInputError(f"release file {path} cannot be read as CSV: {error}") from None


def _release_numbers(table: pd.DataFrame, path: Path, first_column: int = 0) -> np.ndarray:
    """float64 values; a missing, non-numeric, infinite or absurd (>= 2**53) cell is named."""
    values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (np.abs(values) >= MAX_COUNT)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        value = table.iat[row, col]
        value = value.item() if isinstance(value, np.generic) else value
        raise DEGnextInputError(
            f"release file {path}: value {value!r} at row {row + 1}, column "
            f"{first_column + col + 1} is not a finite number below 2**53 "
            f"({int(bad.sum())} such value(s))"
        )
    return values


def _read_release_matrix(path: Path) -> np.ndarray:
    """Numeric matrix of a header-less release CSV."""
    return _release_numbers(_read_release_csv(path), path)


def _read_release_data(path: Path) -> tuple[np.ndarray, list[str], list[int]]:
    """A *_data.csv file: symbol, the matrix row, then the row's label as last column."""
    table = _read_release_csv(path)
    numbers = _release_numbers(table.iloc[:, 1:], path, first_column=1)
    symbols = table.iloc[:, 0].astype(str).str.strip().tolist()
    return numbers[:, :-1], symbols, numbers[:, -1].astype("int64").tolist()


def _remove_rows(whole: np.ndarray, part: np.ndarray) -> np.ndarray | None:
    """Positions of `whole` rows left after removing one exact match per `part` row, or None."""
    free: dict[bytes, list[int]] = {}
    for position, row in enumerate(whole):
        free.setdefault(row.tobytes(), []).append(position)
    used = set()
    for row in part:
        candidates = free.get(row.tobytes())
        if not candidates:
            return None
        used.add(candidates.pop(0))
    return np.array([position for position in range(len(whole)) if position not in used], dtype=int)


@dataclass
class _Split:
    name: str
    matrix: np.ndarray
    labels: list[int]
    symbols: list[str] | None


def _load_labels(path: Path, rows: int, matrix_path: Path | str) -> list[int]:
    labels = _read_lines(path)
    if len(labels) != rows:
        raise DEGnextInputError(
            f"label file {path} has {len(labels)} labels for {rows} rows of {matrix_path}"
        )
    return [int(label) for label in labels]


def _release_f1_t3(root: Path, cancer: str, notes: list[str]) -> dict[str, _Split]:
    """F1 and T3 with symbols; F1 derived as Q minus T3 where its own matrix is missing."""
    loaded: dict[str, _Split] = {}
    for name in ("T3", "F1"):
        matrix_name, label_name, data_name = _RELEASE_FILES[name]
        matrix_path, data_path = (
            _release_path(root, cancer, matrix_name),
            _release_path(root, cancer, data_name),
        )
        label_path = _release_path(root, cancer, label_name)
        if not label_path.is_file():
            continue
        data, data_symbols, data_labels = (
            _read_release_data(data_path) if data_path.is_file() else (None, None, None)
        )
        if matrix_path.is_file():
            matrix = _read_release_matrix(matrix_path)
        elif data is not None:
            matrix = data
        else:
            continue
        labels = _load_labels(label_path, len(matrix), matrix_path)
        agrees = data is not None and np.array_equal(data, matrix) and data_labels == labels
        if data is not None and not agrees:
            notes.append(f"{data_path.name} differs from {matrix_path.name}; symbols not used")
        loaded[name] = _Split(name, matrix, labels, data_symbols if agrees else None)
    t3, genes_path = loaded.get("T3"), _release_path(root, cancer, "bio_test_genes.csv")
    if t3 is not None and t3.symbols is None and genes_path.is_file():
        genes = _read_lines(genes_path)
        if len(genes) == len(t3.matrix):
            t3.symbols = genes
        else:
            notes.append(
                f"T3 symbols unknown: {genes_path.name} lists {len(genes)} genes for "
                f"{len(t3.matrix)} rows"
            )
    q_genes_path = _release_path(root, cancer, "biologically_validated_genes.csv")
    q_genes = _read_lines(q_genes_path) if q_genes_path.is_file() else None
    q_path = _release_path(root, cancer, "biologically_validated_data.csv")
    f1_labels = _release_path(root, cancer, _RELEASE_FILES["F1"][1])
    if "F1" not in loaded and t3 is not None and q_path.is_file() and f1_labels.is_file():
        q_matrix = _read_release_matrix(q_path)
        keep = _remove_rows(q_matrix, t3.matrix)
        if keep is None:
            notes.append("F1 missing: T3 rows are not all found in Q, cannot derive F1 = Q - T3")
        else:
            symbols = (
                [q_genes[i] for i in keep]
                if q_genes is not None and len(q_genes) == len(q_matrix)
                else None
            )
            loaded["F1"] = _Split(
                "F1",
                q_matrix[keep],
                _load_labels(f1_labels, len(keep), f"{q_path} minus T3"),
                symbols,
            )
            notes.append("F1 derived as Q minus the T3 rows (exact row matches)")
    if "F1" not in loaded and f1_labels.is_file() and not any("F1 missing" in n for n in notes):
        notes.append("F1 missing: no F1 matrix and no Q matrix (with T3) to derive it from")
    f1 = loaded.get("F1")
    if (
        f1 is not None
        and f1.symbols is None
        and t3 is not None
        and t3.symbols is not None
        and q_genes is not None
        and len(q_genes) == len(f1.matrix) + len(t3.matrix)
        and q_genes[len(f1.matrix) :] == t3.symbols
    ):
        # Q = F1 rows then T3 rows wherever the release lets us check it; trust that order only
        # when the T3 part of the Q gene list matches the T3 genes exactly.
        f1.symbols = q_genes[: len(f1.matrix)]
    elif f1 is not None and f1.symbols is None:
        notes.append("F1 symbols unknown: no F1 data file and Q gene order does not match F1 + T3")
    return loaded


def check_release(root: str | Path, cancer: str) -> tuple[Path, str]:
    """The release folder and the cancer's name in it; an error when it holds no label file."""
    root, cancer = Path(root), cancer.upper().removeprefix("TCGA-")
    if not any(
        _release_path(root, cancer, files[1]).is_file() for files in _RELEASE_FILES.values()
    ):
        raise DEGnextInputError(f"no release files for cancer {cancer!r} under {root / 'datasets'}")
    return root, cancer


def read_release(root: str | Path, cancer: str) -> ReleaseCohort:
    """Read the authors' released splits of one cancer (see the release README)."""
    root, cancer = check_release(root, cancer)
    notes: list[str] = []
    loaded: dict[str, _Split] = {}
    for name in ("T1", "T2"):
        matrix_path, label_path = (
            _release_path(root, cancer, suffix) for suffix in _RELEASE_FILES[name][:2]
        )
        if matrix_path.is_file() and label_path.is_file():
            matrix = _read_release_matrix(matrix_path)
            loaded[name] = _Split(
                name, matrix, _load_labels(label_path, len(matrix), matrix_path), None
            )
    loaded.update(_release_f1_t3(root, cancer, notes))
    missing = tuple(
        name
        for name in RELEASE_SPLITS
        if name not in loaded and _release_path(root, cancer, _RELEASE_FILES[name][1]).is_file()
    )
    present = [loaded[name] for name in RELEASE_SPLITS if name in loaded]
    widths = {split.matrix.shape[1] for split in present}
    if len(widths) != 1:
        raise DEGnextInputError(
            f"release cohort {cancer}: splits have different sample counts "
            f"{ {split.name: split.matrix.shape[1] for split in present} }"
        )
    matrix = np.vstack([split.matrix for split in present])
    values = matrix.astype("int64") if np.array_equal(matrix, np.round(matrix)) else matrix
    rows = [
        (split.name, position, label, split.symbols[position] if split.symbols else None)
        for split in present
        for position, label in enumerate(split.labels)
    ]
    splits = pd.DataFrame(rows, columns=["set", "position", "label", "symbol"])
    splits["symbol"] = splits["symbol"].astype("string")
    synthetic = [
        f"{cancer}:{name}:{position:06d}"
        for name, position in zip(splits["set"], splits["position"], strict=True)
    ]
    symbol_ok = splits["symbol"].notna() & ~splits["symbol"].duplicated(keep=False)
    index = pd.Index(np.where(symbol_ok, splits["symbol"].fillna(""), synthetic), name="gene")
    splits = splits.drop(columns="position").set_index(index)
    splits["label"] = splits["label"].astype("int64")
    expression = pd.DataFrame(
        values, index=index, columns=[f"s{i}" for i in range(values.shape[1])]
    )
    t1_source = "T1" if "T1" in loaded else ("T2" if "T2" in loaded else None)
    if t1_source == "T2":
        notes.append("T1 matrix missing: T2 stands in as the 3-class training set")
    elif t1_source is None:
        notes.append("T1 and T2 matrices missing: no 3-class training set")
    return ReleaseCohort(cancer, expression, splits, t1_source, missing, tuple(notes))
