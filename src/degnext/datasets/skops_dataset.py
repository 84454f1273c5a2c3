"""``SkopsDataset`` saves/loads scikit-learn-style models in skops' format, which runs no code.

A pickle runs whatever its bytes ask for when it is loaded, so a model file swapped on disk (or
downloaded) could run code on the machine. skops stores the object tree as JSON plus numpy arrays
in a zip, and loading only rebuilds types that are on an allow-list (scikit-learn's own estimators
plus ``TRUSTED_TYPES`` here): anything else, a pickle included, is refused before it is built.

skops names its zip members and objects by their memory address, so two saves of one model
would differ; the file is rewritten with those names numbered in order of appearance and fixed
zip timestamps, so the same model always gives the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import PurePosixPath
from typing import Any

import skops.io as sio
from kedro.io.core import DatasetError, Version

from degnext.datasets.file_dataset import FileDataset

# Types the baselines' models hold that skops does not trust by itself (found with
# skops.io.get_untrusted_types on each configured model); extend with load_args["trusted"].
TRUSTED_TYPES = (
    "degnext.evaluation.baselines._row_zscore",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.tree._tree.Tree",
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBClassifier",
)
_SCHEMA = "schema.json"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _renumber(node: Any, names: dict[Any, str], ids: dict[int, int]) -> Any:
    """The schema tree with member names and object ids replaced by their order of appearance."""
    if isinstance(node, list):
        return [_renumber(item, names, ids) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "__id__" and isinstance(value, int):
            out[key] = ids.setdefault(value, len(ids))
        elif key == "file" and isinstance(value, str):
            out[key] = names.setdefault(value, f"{len(names):06d}{PurePosixPath(value).suffix}")
        else:
            out[key] = _renumber(value, names, ids)
    return out


def canonical_dumps(obj: Any) -> bytes:
    """skops bytes of ``obj`` that depend only on the object, not on memory addresses or time."""
    with zipfile.ZipFile(io.BytesIO(sio.dumps(obj))) as source:
        names: dict[str, str] = {}
        schema = _renumber(json.loads(source.read(_SCHEMA)), names, {})
        unnamed = set(source.namelist()) - {_SCHEMA} - set(names)
        if unnamed:  # a skops version that stores members another way: fail, never drop data
            raise DatasetError(f"skops wrote members the schema does not name: {sorted(unnamed)}")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for old, new in names.items():
                target.writestr(zipfile.ZipInfo(new, _FIXED_TIME), source.read(old))
            target.writestr(zipfile.ZipInfo(_SCHEMA, _FIXED_TIME), json.dumps(schema, indent=1))
    return buffer.getvalue()


def safe_loads(data: bytes, trusted: list[str], where: str) -> Any:
    """Rebuild an object from skops bytes, refusing any type outside skops' defaults + ``trusted``.

    A pickle, a torch file or any other non-skops file is refused too; nothing in it runs.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DatasetError(
            f"{where} is not a skops model file (a pickle or another format?); refusing to load it"
        )
    try:
        untrusted = sorted(set(sio.get_untrusted_types(data=data)) - set(trusted))
    except Exception as error:  # a zip without a valid skops schema
        raise DatasetError(f"{where} is not a valid skops model file: {error}") from error
    if untrusted:
        raise DatasetError(
            f"{where} holds type(s) that are not trusted to load: {', '.join(untrusted)}; "
            "add them to the dataset's load_args.trusted only if you know the file's origin"
        )
    return sio.loads(data, trusted=list(trusted))


class SkopsDataset(FileDataset[Any, Any]):
    """Loads/saves a scikit-learn-style object (a model or a dict of models) as a skops file.

    Saving writes a temporary file beside the target and renames it, so a crash never leaves a
    half-written model. Loading refuses any file that is not skops or that holds a type outside
    skops' trusted defaults and ``TRUSTED_TYPES`` (plus ``load_args["trusted"]``).

    Examples:
        In ``catalog.yml``:

        ```yaml
        "{cohort}.baseline_models":
          type: degnext.datasets.SkopsDataset
          filepath: data/06_models/{cohort}/baseline_models.skops
          versioned: true
        ```

        With the Python API:

        >>> from sklearn.linear_model import LogisticRegression
        >>> ds = SkopsDataset(filepath=str(tmp_path / "model.skops"))
        >>> ds.save({"lr": LogisticRegression().fit([[0.0], [1.0]], [0, 1])})
        >>> ds.load()["lr"].predict([[1.0]]).tolist()
        [1]
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        filepath: str | os.PathLike,
        load_args: dict[str, Any] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new ``SkopsDataset``.

        Args:
            filepath: Path to the file, optionally prefixed with an fsspec protocol.
            load_args: ``{"trusted": [type names]}`` to trust more types than ``TRUSTED_TYPES``.
            version: Kedro ``Version``; ``load=None`` loads the latest, ``save=None`` makes one.
            credentials: Credentials of the underlying filesystem.
            fs_args: Arguments for the fsspec filesystem constructor.
            metadata: Free-form metadata, ignored by Kedro.
        """
        super().__init__(
            filepath=filepath,
            version=version,
            credentials=credentials,
            fs_args=fs_args,
            metadata=metadata,
        )
        self._trusted = sorted({*TRUSTED_TYPES, *(load_args or {}).get("trusted", [])})

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol, "version": self._version}

    def load(self) -> Any:
        data, load_path = self._read_bytes()
        return safe_loads(data, self._trusted, load_path)

    def save(self, data: Any) -> None:
        self._write_bytes(canonical_dumps(data), "model file")
