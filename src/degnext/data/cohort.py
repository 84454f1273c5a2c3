"""One cohort's raw counts with its samples and genes, whatever the source; TCGA sample types.

Every source (GDC download, gdc-client folder, count matrix, nf-core and AnnData files) ends in
the same `Cohort`, so the pipeline after ingestion never needs to know where the counts came
from. The authors' released splits are a different shape: see `degnext.data.release`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from degnext.data.count_checks import check_not_all_zero, check_sample_names, report_dropped
from degnext.errors import DEGnextInputError

PRIMARY_TUMOR = "Primary Tumor"
SOLID_TISSUE_NORMAL = "Solid Tissue Normal"
CONDITION_BY_SAMPLE_TYPE = {PRIMARY_TUMOR: "tumor", SOLID_TISSUE_NORMAL: "normal"}
logger = logging.getLogger(__name__)

# TCGA sample-type codes (barcode field 4, first two digits) with their GDC names.
_TCGA_SAMPLE_CODES = {
    "01": PRIMARY_TUMOR,
    "02": "Recurrent Tumor",
    "03": "Primary Blood Derived Cancer - Peripheral Blood",
    "04": "Recurrent Blood Derived Cancer - Bone Marrow",
    "05": "Additional - New Primary",
    "06": "Metastatic",
    "07": "Additional Metastatic",
    "08": "Human Tumor Original Cells",
    "09": "Primary Blood Derived Cancer - Bone Marrow",
    "10": "Blood Derived Normal",
    "11": SOLID_TISSUE_NORMAL,
    "12": "Buccal Cell Normal",
    "13": "EBV Immortalized Normal",
    "14": "Bone Marrow Normal",
    "20": "Control Analyte",
    "40": "Recurrent Blood Derived Cancer - Peripheral Blood",
    "50": "Cell Lines",
    "60": "Primary Xenograft Tissue",
    "61": "Cell Line Derived Xenograft Tissue",
}
# R's make.names turns "-" into ".", so matrices written from R carry dotted barcodes.
_TCGA_BARCODE = re.compile(r"^TCGA[-.][A-Z0-9]{2}[-.][A-Z0-9]{4}[-.](\d{2})(?:[A-Z]\S*)?$")


@dataclass(frozen=True, eq=False)
class Cohort:
    """Raw integer counts of one cohort plus per-sample and per-gene annotation.

    counts: genes x samples (index "gene_id"); samples: one row per counts column, same order;
    genes: indexed like counts, gene_name / gene_type (NA where the source has none).
    provenance: what a source records about where the counts came from (GDC: the data release
    and the manifest of downloaded files), saved beside the raw data.
    """

    counts: pd.DataFrame
    samples: pd.DataFrame
    genes: pd.DataFrame
    name: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if list(self.samples["barcode"]) != list(self.counts.columns):
            raise DEGnextInputError(
                f"cohort {self.name!r}: samples rows do not match counts columns"
            )
        if not self.genes.index.equals(self.counts.index):
            raise DEGnextInputError(
                f"cohort {self.name!r}: genes index does not match counts index"
            )
        check_not_all_zero(self.counts, f"cohort {self.name!r}")


def sample_type_from_barcode(barcode: str) -> str:
    """GDC sample-type name encoded in a TCGA barcode (e.g. TCGA-A7-A0CE-11A -> Solid Tissue Normal)."""
    match = _TCGA_BARCODE.match(str(barcode).strip().upper())
    if match is None:
        raise DEGnextInputError(
            f"malformed TCGA barcode {barcode!r}: expected TCGA-<TSS>-<participant>-<sample code>..., "
            "e.g. TCGA-A7-A0CE-01A"
        )
    code = match.group(1)
    return _TCGA_SAMPLE_CODES.get(code, f"Other (sample code {code})")


def conditions_of(sample_types: pd.Series) -> pd.Series:
    """'tumor' / 'normal' for the two GDC sample types used (case and spacing ignored), else NA."""
    keys = sample_types.astype("string").str.split().str.join(" ").str.lower()
    by_key = {name.lower(): condition for name, condition in CONDITION_BY_SAMPLE_TYPE.items()}
    return keys.map(by_key).astype("string")


def sample_conditions(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """barcode, sample_type, condition of the samples indexing ``table``.

    From its ``sample_type`` column (GDC names; other types get no condition, and ``keep_used``
    reports them) or else its ``condition`` column ('tumor' / 'normal', empty = unknown).
    """
    if "sample_type" in table.columns:
        sample_type = table["sample_type"].astype("string")
        condition = conditions_of(sample_type)
    else:
        condition = table["condition"].astype("string").str.strip().str.lower().replace("", pd.NA)
        unknown = sorted(set(condition.dropna()) - {"tumor", "normal"})
        if unknown:
            raise DEGnextInputError(f"{where}: condition values {unknown} are not 'tumor'/'normal'")
        sample_type = pd.Series(pd.NA, index=table.index, dtype="string")
    return pd.DataFrame(
        {
            "barcode": [str(barcode) for barcode in table.index],
            "sample_type": sample_type.to_numpy(),
            "condition": condition.to_numpy(),
        }
    )


def keep_used(samples: pd.DataFrame, types: pd.Series, where: str) -> pd.DataFrame:
    """Rows whose condition is known; the others are reported by ``types`` (log and warning)."""
    used = samples["condition"].notna().to_numpy()
    report_dropped(types[~used], len(samples), list(CONDITION_BY_SAMPLE_TYPE), where)
    return samples[used]


def order_by_condition(samples: pd.DataFrame, name: str) -> pd.DataFrame:
    """Normal samples first, then tumor (the release's column order); both groups must be present."""
    for condition in ("normal", "tumor"):
        if not (samples["condition"] == condition).any():
            raise DEGnextInputError(
                f"cohort {name!r} has no {condition} samples after keeping only "
                f"{PRIMARY_TUMOR!r} and {SOLID_TISSUE_NORMAL!r}; tumor-vs-normal needs both"
            )
    rank = samples["condition"].map({"normal": 0, "tumor": 1})
    return samples.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")


def column_names(samples: pd.DataFrame, name: str) -> list[str]:
    """One column name per count file: its sample barcode, or, for a sample measured by several
    files, each file's aliquot barcode where those differ, else ``<barcode>|<file_id>``; never an
    invented ``.1``."""
    barcodes = samples["barcode"].astype(str)
    repeated = barcodes.duplicated(keep=False)
    if not repeated.any():
        return list(barcodes)
    file_ids = samples["file_id"] if "file_id" in samples else samples.index.to_series()
    names = barcodes.where(~repeated, barcodes + "|" + file_ids.astype(str))
    if "aliquot" in samples:
        aliquots = samples["aliquot"].where(repeated)
        distinct = aliquots.notna() & ~aliquots.duplicated(keep=False)
        names = names.where(~distinct, aliquots)
    logger.warning(
        "cohort %r: %d sample(s) measured by several count files, kept as columns %s",
        name,
        barcodes[repeated].nunique(),
        ", ".join(names[repeated]),
    )
    return check_sample_names(list(names), f"cohort {name!r}")
