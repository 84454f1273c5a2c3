"""Client for the NCI Genomic Data Commons REST API: find and download a TCGA cohort's counts.

Downloads are resumable and verified: bytes stream into `<cache>/<file_id>/<file_name>.part`,
which is renamed into place only after its md5 matches the API's md5sum, so an interrupted or
corrupted transfer never looks like a finished file and a rerun only fetches what is missing.
The API's answers are not trusted: a file id or name that is not one plain path component is
refused before anything is written, a file listed twice counts once, and every download has a
deadline (downloads and HTTP in ``degnext.data.gdc_transfer``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import requests

from degnext.data.cohort import (
    CONDITION_BY_SAMPLE_TYPE,
    PRIMARY_TUMOR,
    SOLID_TISSUE_NORMAL,
    Cohort,
)
from degnext.data.count_files import cohort_from_count_files
from degnext.data.gdc_transfer import (
    DEADLINE,
    GDC_API,
    MAX_RETRY_WAIT,
    GdcError,
    GdcFile,
    download_file,
    download_files,
    hits_page,
    request_json,
)
from degnext.errors import DEGnextInputError

WORKFLOWS = ("STAR - Counts",)
RETIRED_WORKFLOWS = ("HTSeq - Counts", "HTSeq - FPKM", "HTSeq - FPKM-UQ")
MANIFEST_COLUMNS = (
    "file_id",
    "file_name",
    "md5sum",
    "file_size",
    "barcode",
    "sample_type",
    "workflow_type",
    "case_id",
    "aliquot",
)
FILE_FIELDS = (
    "file_id",
    "file_name",
    "md5sum",
    "file_size",
    "cases.case_id",
    "cases.submitter_id",
    "cases.samples.submitter_id",
    "cases.samples.sample_type",
    "cases.samples.portions.analytes.aliquots.submitter_id",
)
__all__ = [
    "GdcError",
    "GdcFile",
    "download_file",
    "download_files",
    "fetch_cohort",
    "query_files",
]


def project_id(project: str) -> str:
    """'BRCA' or 'TCGA-BRCA' -> 'TCGA-BRCA'; anything else is rejected before asking the API."""
    name = project.strip().upper()
    if not name.startswith("TCGA-"):
        name = f"TCGA-{name}"
    if not re.fullmatch(r"TCGA-[A-Z0-9]+", name):
        raise DEGnextInputError(f"project={project!r} is not a TCGA project id like 'TCGA-BRCA'")
    return name


def files_filter(project: str, workflow: str = "STAR - Counts") -> dict:
    """GDC filter for the open gene-expression counts of tumor and normal tissue of one project."""
    check_workflow(workflow)

    def is_in(field_name: str, values: Sequence[str]) -> dict:
        return {"op": "in", "content": {"field": field_name, "value": list(values)}}

    return {
        "op": "and",
        "content": [
            is_in("cases.project.project_id", [project_id(project)]),
            is_in("files.data_category", ["Transcriptome Profiling"]),
            is_in("files.data_type", ["Gene Expression Quantification"]),
            is_in("files.analysis.workflow_type", [workflow]),
            is_in("files.access", ["open"]),
            is_in("cases.samples.sample_type", [PRIMARY_TUMOR, SOLID_TISSUE_NORMAL]),
        ],
    }


def check_workflow(workflow: str) -> None:
    """Refuse, before any request, a workflow that the GDC API does not serve counts for."""
    if workflow in RETIRED_WORKFLOWS:
        raise DEGnextInputError(
            f"workflow={workflow!r}: GDC no longer serves HTSeq files (since data release 32, "
            "gene expression is 'STAR - Counts' only); use workflow 'STAR - Counts', or read "
            "HTSeq files you already have with source gdc_folder"
        )
    if workflow not in WORKFLOWS:
        raise DEGnextInputError(f"workflow={workflow!r} is not one of {', '.join(WORKFLOWS)}")


def _parse_hit(hit: dict, url: str) -> GdcFile:
    """GdcFile of one files-endpoint hit; counts files belong to exactly one kept sample."""
    try:
        return _hit_to_file(hit)
    except GdcError as error:
        raise GdcError(f"GDC answer of {url}: {error}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise GdcError(
            f"GDC answer of {url}: malformed hit {str(hit)[:200]} ({error.__class__.__name__}: "
            f"{error})"
        ) from None


def _hit_to_file(hit: dict) -> GdcFile:
    file_id = hit.get("file_id") or hit.get("id")
    samples = [
        (case, sample)
        for case in hit.get("cases", [])
        for sample in case.get("samples", [])
        if sample.get("sample_type") in CONDITION_BY_SAMPLE_TYPE
    ]
    if len(samples) != 1:
        raise GdcError(
            f"GDC file {file_id} is linked to {len(samples)} tumor/normal "
            "samples; expected exactly one"
        )
    case, sample = samples[0]
    aliquots = [
        aliquot["submitter_id"]
        for portion in sample.get("portions", [])
        for analyte in portion.get("analytes", [])
        for aliquot in analyte.get("aliquots", [])
        if "submitter_id" in aliquot
    ]
    return GdcFile(
        file_id=file_id,
        file_name=hit["file_name"],
        md5sum=hit["md5sum"],
        file_size=hit["file_size"],
        case_id=case.get("case_id", ""),
        barcode=sample["submitter_id"],
        sample_type=sample["sample_type"],
        aliquot=aliquots[0] if len(aliquots) == 1 else None,
    )


def query_files(  # noqa: PLR0913
    project: str,
    *,
    base_url: str = GDC_API,
    workflow: str = "STAR - Counts",
    page_size: int = 500,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
    deadline: float = DEADLINE,
    max_retry_wait: float = MAX_RETRY_WAIT,
) -> list[GdcFile]:
    """All counts files of a project from the files endpoint, following its size/from pages.

    A file listed again (a server that repeats hits across pages or ignores ``from``) counts
    once; a page that adds nothing before ``pagination.total`` is reached is an error, never a
    silently short or duplicated cohort.
    """
    body = {
        "filters": files_filter(project, workflow),
        "fields": ",".join(FILE_FIELDS),
        "format": "JSON",
        "size": page_size,
    }
    url = f"{base_url.rstrip('/')}/files"
    files: dict[str, GdcFile] = {}
    start = 0
    with requests.Session() as session:  # retries are request_json's, bounded by the deadline
        while True:
            payload = request_json(
                session,
                url,
                {**body, "from": start},
                retries=retries,
                backoff=backoff,
                timeout=timeout,
                deadline=deadline,
                max_retry_wait=max_retry_wait,
            )
            data = hits_page(payload, url)
            before = len(files)
            for hit in data["hits"]:
                file = _parse_hit(hit, url)
                if files.setdefault(file.file_id, file) != file:
                    raise GdcError(
                        f"GDC answer of {url} lists file {file.file_id} twice, differently"
                    )
            start += len(data["hits"])
            total = data["pagination"]["total"]
            if len(files) >= total:
                break
            if len(files) == before:
                raise GdcError(
                    f"GDC answer of {url} (from={start - len(data['hits'])}) adds no new file: "
                    f"{len(files)} of the {total} listed files received; the server does not page"
                )
    if not files:
        raise DEGnextInputError(
            f"GDC has no open {workflow!r} gene-expression files of Primary Tumor or Solid Tissue "
            f"Normal samples for project {project_id(project)!r} (unknown project?)"
        )
    return list(files.values())


def fetch_cohort(
    project: str,
    cache_dir: str | Path,
    *,
    base_url: str = GDC_API,
    workflow: str = "STAR - Counts",
    counts_column: str = "unstranded",
    max_workers: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
    deadline: float = DEADLINE,
    max_retry_wait: float = MAX_RETRY_WAIT,
    progress: bool = True,
) -> Cohort:
    """Query, download (resumably) and read a TCGA project's tumor and normal counts.

    ``timeout`` bounds each socket read, ``deadline`` each file (and each page of the file
    list) as a whole, ``max_retry_wait`` any wait a server's Retry-After asks for.
    """
    transfer = {
        "retries": retries,
        "backoff": backoff,
        "timeout": timeout,
        "deadline": deadline,
        "max_retry_wait": max_retry_wait,
    }
    files = query_files(project, base_url=base_url, workflow=workflow, **transfer)
    paths = download_files(
        files,
        cache_dir,
        base_url=base_url,
        max_workers=max_workers,
        progress=progress,
        **transfer,
    )
    samples = pd.DataFrame(
        {
            "barcode": [file.barcode for file in files],
            "sample_type": [file.sample_type for file in files],
            "condition": [CONDITION_BY_SAMPLE_TYPE[file.sample_type] for file in files],
            "file_id": [file.file_id for file in files],
            "case_id": [file.case_id for file in files],
            "aliquot": [file.aliquot for file in files],
        }
    )
    cohort = cohort_from_count_files(
        samples, [paths[file.file_id] for file in files], project_id(project), counts_column
    )
    provenance = {
        "gdc_manifest": files_manifest(files, workflow),
        "gdc_release": data_release(base_url=base_url, **transfer),
    }
    return dataclasses.replace(cohort, provenance=provenance)


def files_manifest(files: Sequence[GdcFile], workflow: str) -> pd.DataFrame:
    """One row per downloaded file: what the cohort's counts were read from, md5 included."""
    manifest = pd.DataFrame(
        [{**dataclasses.asdict(file), "workflow_type": workflow} for file in files],
        columns=[field.name for field in dataclasses.fields(GdcFile)] + ["workflow_type"],
    )
    return manifest[list(MANIFEST_COLUMNS)].sort_values(["barcode", "file_id"], ignore_index=True)


def data_release(  # noqa: PLR0913
    *,
    base_url: str = GDC_API,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
    deadline: float = DEADLINE,
    max_retry_wait: float = MAX_RETRY_WAIT,
) -> dict[str, str | int | None]:
    """The GDC data release the API serves now (its ``status`` endpoint), to record with a download.

    Only short scalar values are kept, so an odd answer cannot bloat or break the record.
    """
    url = f"{base_url.rstrip('/')}/status"
    with requests.Session() as session:
        status = request_json(
            session,
            url,
            None,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
            deadline=deadline,
            max_retry_wait=max_retry_wait,
        )
    if not isinstance(status.get("data_release"), str):
        raise GdcError(
            f"GDC status endpoint {url} answered without a data_release: {status!r:.300}"
        )
    record: dict[str, str | int | None] = {"api": base_url.rstrip("/")}
    for key in ("data_release", "version", "tag", "commit"):
        value = status.get(key)
        if isinstance(value, str):
            value = value[:200]
        elif not isinstance(value, int) or isinstance(value, bool):
            value = None
        record[key] = value
    return record
