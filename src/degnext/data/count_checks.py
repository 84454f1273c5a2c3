"""Checks every count reader shares, so each class of bad file is caught once, where it is read.

pandas is lenient where DEGnext must not be: it renames a repeated column ``s1`` to ``s1.1`` (which
then passes as a barcode), reads barcodes like ``0012`` as the number 12, raises its own
``EmptyDataError``, and lets a count of 1e20 wrap around when cast to int64. These helpers read
headers raw, keep identifiers as text and name the file, row and column at fault.
"""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from degnext.errors import DEGnextInputError

# float64 holds every integer exactly up to 2**53; a read count that large is a broken file
# (no RNA-seq library holds 9e15 reads), and beyond int64 it would wrap around.
MAX_COUNT = 2**53
logger = logging.getLogger(__name__)


class DroppedSamplesWarning(UserWarning):
    """Samples of a type the analysis does not use were left out of a cohort."""


def integer_counts(values: pd.Series, where: str) -> pd.Series:
    """Counts as int64; the first non-numeric, missing, negative, fractional or absurd
    (>= 2**53, infinite) value is an error naming ``where`` and the gene (the row)."""
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    with np.errstate(invalid="ignore"):
        problems = (
            ("non-count value", numeric.isna()),
            ("negative count", numeric < 0),
            ("non-integer count", numeric != np.floor(numeric)),
            ("count at or above 2**53 (an overflow or a broken file)", numeric >= MAX_COUNT),
        )
    for label, bad in problems:
        if bad.any():
            value = values[bad].iloc[0]
            value = value.item() if isinstance(value, np.generic) else value
            raise DEGnextInputError(
                f"{where}: {label} {value!r} for gene {values[bad].index[0]!r} "
                f"({int(bad.sum())} such value(s); need non-negative integers below 2**53)"
            )
    return numeric.astype("int64")


def check_sample_names(names: Sequence[object], where: str) -> list[str]:
    """Sample names as text; an empty or repeated name is an error (never a ``.1`` barcode)."""
    texts = ["" if pd.isna(name) else str(name).strip() for name in names]
    for position, text in enumerate(texts):
        if not text:
            raise DEGnextInputError(f"{where}: sample {position + 1} has an empty name")
    seen = pd.Series(texts)
    repeated = seen[seen.duplicated()]
    if len(repeated):
        name = repeated.iloc[0]
        raise DEGnextInputError(
            f"{where}: sample {name!r} appears {int((seen == name).sum())} times; "
            "every sample needs its own name"
        )
    return texts


def _separator(path: Path) -> str:
    return "," if ".csv" in "".join(path.suffixes).lower() else "\t"


def _read_any(path: Path, what: str, text: bool) -> pd.DataFrame:
    if "".join(path.suffixes).lower().endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq  # here: the module costs ~6 MB to processes that read no Parquet

        check_sample_names(pq.read_schema(path).names[1:], f"{what} {path} header")
        table = pd.read_parquet(path)
        return table.reset_index() if not isinstance(table.index, pd.RangeIndex) else table
    separator = _separator(path)
    header = pd.read_csv(path, sep=separator, header=None, nrows=1, dtype=str).iloc[0].tolist()
    first = "" if pd.isna(header[0]) else str(header[0]).strip()  # R's write.csv leaves it empty
    names = [first or "gene_id", *check_sample_names(header[1:], f"{what} {path} header")]
    with warnings.catch_warnings():  # a row longer than the header: pandas would drop its tail
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(
            path,
            sep=separator,
            header=None,
            skiprows=1,
            names=names,
            index_col=False,
            dtype=str if text else {names[0]: str},
        )


def read_table(path: Path, what: str, *, text: bool = False) -> pd.DataFrame:
    """A CSV/TSV/Parquet table whose column names are checked raw: none empty, none repeated
    (pandas would rename a repeated ``s1`` to ``s1.1``).

    The first column is read as text (gene ids, barcodes), every column when ``text``. An
    empty, unreadable or ragged file is a DEGnextInputError naming ``what`` and the path.
    """
    try:
        table = _read_any(path, what, text)
    except pd.errors.EmptyDataError:
        raise DEGnextInputError(f"{what} {path} is empty") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, UnicodeDecodeError, OSError) as error:
        raise DEGnextInputError(f"{what} {path} cannot be read as a table: {error}") from None
    except pa.ArrowException as error:
        raise DEGnextInputError(f"{what} {path} is not a readable Parquet file: {error}") from None
    if table.empty:
        raise DEGnextInputError(f"{what} {path} has a header but no rows")
    return table


def check_not_all_zero(counts: pd.DataFrame, where: str) -> None:
    """A cohort with no gene rows or only zero counts has nothing to analyse."""
    if counts.shape[0] == 0:
        raise DEGnextInputError(f"{where}: no gene rows")
    if not counts.to_numpy().any():
        raise DEGnextInputError(
            f"{where}: every count of the {counts.shape[0]} genes x {counts.shape[1]} samples "
            "is zero"
        )


def report_dropped(types: pd.Series, total: int, used: Sequence[str], where: str) -> None:
    """Log and warn how many samples of each unused type were dropped (empty types included),
    with a hint when a type is a near miss of a used one (e.g. 'Primary Tumour')."""
    if types.empty:
        return
    labels = types.fillna("").astype(str).str.strip().replace("", "(empty)")
    parts = []
    for label, count in labels.value_counts().sort_index().items():
        close = difflib.get_close_matches(label, used, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"{label!r}: {count}{hint}")
    message = (
        f"{where}: {len(types)} of {total} sample(s) dropped, their type is not "
        f"{' or '.join(repr(u) for u in used)}: " + ", ".join(parts)
    )
    logger.warning(message)
    warnings.warn(message, DroppedSamplesWarning, stacklevel=3)
