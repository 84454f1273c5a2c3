"""Client for the NCI Genomic Data Commons REST API: find and download a TCGA cohort's counts.

Downloads are resumable and verified: bytes stream into `<cache>/<file_id>/<file_name>.part`,
which is renamed into place only after its md5 matches the API's md5sum, so an interrupted or
corrupted transfer never looks like a finished file and a rerun only fetches what is missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.util.retry import Retry

from degnext.errors import DEGnextInputError
from degnext.sources import (
    CONDITION_BY_SAMPLE_TYPE,
    PRIMARY_TUMOR,
    SOLID_TISSUE_NORMAL,
    Cohort,
    cohort_from_count_files,
)

GDC_API = "https://api.gdc.cancer.gov"
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
RETRY_STATUS = (429, 500, 502, 503, 504)
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
_CHUNK = 1 << 16


class GdcError(DEGnextInputError):
    """The GDC API or a download failed; a DEGnextInputError so the CLI shows one clear message."""


@dataclass(frozen=True)
class GdcFile:
    """One counts file of the cohort with the sample it measures."""

    file_id: str
    file_name: str
    md5sum: str
    file_size: int
    case_id: str
    barcode: str
    sample_type: str
    aliquot: str | None = None


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


def make_session(retries: int = 5, backoff: float = 0.5) -> requests.Session:
    """Session that retries connection failures and 5xx/429 answers with exponential backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET", "POST"}),
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def _parse_hit(hit: dict) -> GdcFile:
    """GdcFile of one files-endpoint hit; counts files belong to exactly one kept sample."""
    file_id = hit.get("file_id") or hit.get("id")
    samples = [
        (case, sample)
        for case in hit.get("cases", [])
        for sample in case.get("samples", [])
        if sample.get("sample_type") in CONDITION_BY_SAMPLE_TYPE
    ]
    if len(samples) != 1:
        raise DEGnextInputError(
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
        file_size=int(hit["file_size"]),
        case_id=case.get("case_id", ""),
        barcode=sample["submitter_id"],
        sample_type=sample["sample_type"],
        aliquot=aliquots[0] if len(aliquots) == 1 else None,
    )


def query_files(
    project: str,
    *,
    base_url: str = GDC_API,
    workflow: str = "STAR - Counts",
    page_size: int = 500,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
) -> list[GdcFile]:
    """All counts files of a project from the files endpoint, following its size/from pages."""
    body = {
        "filters": files_filter(project, workflow),
        "fields": ",".join(FILE_FIELDS),
        "format": "JSON",
        "size": page_size,
    }
    url = f"{base_url.rstrip('/')}/files"
    files: list[GdcFile] = []
    with make_session(retries, backoff) as session:
        while True:
            try:
                response = session.post(url, json={**body, "from": len(files)}, timeout=timeout)
            except requests.RequestException as error:
                raise GdcError(
                    f"GDC files query for {project_id(project)} failed at {url}: {error}"
                ) from error
            if response.status_code != 200:
                raise GdcError(
                    f"GDC files query for {project_id(project)} answered "
                    f"HTTP {response.status_code}: {response.text[:300]}"
                )
            data = response.json()["data"]
            files.extend(_parse_hit(hit) for hit in data["hits"])
            if not data["hits"] or len(files) >= int(data["pagination"]["total"]):
                break
    if not files:
        raise DEGnextInputError(
            f"GDC has no open {workflow!r} gene-expression files of Primary Tumor or Solid Tissue "
            f"Normal samples for project {project_id(project)!r} (unknown project?)"
        )
    return files


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_complete(path: Path, file: GdcFile) -> bool:
    return path.is_file() and path.stat().st_size == file.file_size and _md5(path) == file.md5sum


def _fetch_into(session: requests.Session, url: str, part: Path, timeout: float) -> None:
    """Stream the file into `part`, continuing after the bytes already there (Range request)."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    with session.get(url, headers=headers, stream=True, timeout=timeout) as response:
        if response.status_code == 416:  # nothing left to send: the .part already holds it all
            return
        response.raise_for_status()
        resumed = response.status_code == 206 and response.headers.get(
            "Content-Range", ""
        ).startswith(f"bytes {offset}-")
        with open(part, "ab" if resumed else "wb") as handle:
            for chunk in response.iter_content(_CHUNK):
                handle.write(chunk)


def download_file(
    file: GdcFile,
    cache_dir: str | Path,
    *,
    base_url: str = GDC_API,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
) -> Path:
    """Fetch one file into <cache>/<file_id>/<file_name>, verified by md5; skip it if already there.

    Server errors and dropped connections are retried with exponential backoff, resuming the
    partial file; a finished file with a bad md5 discards only the .part before the next try.
    """
    target = Path(cache_dir) / file.file_id / file.file_name
    if _is_complete(target, file):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    url = f"{base_url.rstrip('/')}/data/{file.file_id}"
    problem = ""
    with make_session(retries=0) as session:
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                _fetch_into(session, url, part, timeout)
            except requests.HTTPError as error:
                status = error.response.status_code if error.response is not None else None
                if status not in RETRY_STATUS:
                    raise GdcError(
                        f"GDC file {file.file_id} ({file.file_name}): HTTP {status} from {url}"
                    ) from error
                problem = f"HTTP {status}"
                continue
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as error:
                problem = f"connection failed ({error.__class__.__name__})"
                continue
            size = part.stat().st_size if part.exists() else 0
            if size < file.file_size:
                problem = f"incomplete transfer ({size} of {file.file_size} bytes)"
                continue
            if _md5(part) == file.md5sum:
                os.replace(part, target)
                return target
            part.unlink()
            problem = f"md5 mismatch (expected {file.md5sum})"
    raise GdcError(
        f"GDC file {file.file_id} ({file.file_name}) failed after {retries + 1} attempts: {problem}"
    )


def download_files(
    files: Sequence[GdcFile],
    cache_dir: str | Path,
    *,
    base_url: str = GDC_API,
    max_workers: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
    progress: bool = True,
) -> dict[str, Path]:
    """Download files in parallel (bounded pool); file_id -> path. Failures are reported together
    after every other file is done, so one bad file never costs the good ones."""
    if max_workers < 1:
        raise DEGnextInputError(f"max_workers={max_workers} must be at least 1")
    paths: dict[str, Path] = {}
    errors: list[str] = []
    with (
        ThreadPoolExecutor(max_workers=max_workers) as pool,
        tqdm(total=len(files), unit="file", desc="GDC download", disable=not progress) as bar,
    ):
        futures = {
            pool.submit(
                download_file,
                file,
                cache_dir,
                base_url=base_url,
                retries=retries,
                backoff=backoff,
                timeout=timeout,
            ): file
            for file in files
        }
        for future in as_completed(futures):
            try:
                paths[futures[future].file_id] = future.result()
            except GdcError as error:
                errors.append(str(error))
            bar.update(1)
    if errors:
        raise GdcError(
            f"{len(errors)} of {len(files)} GDC file(s) failed: " + "; ".join(sorted(errors))
        )
    return paths


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
    progress: bool = True,
) -> Cohort:
    """Query, download (resumably) and read a TCGA project's tumor and normal counts."""
    files = query_files(
        project,
        base_url=base_url,
        workflow=workflow,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
    )
    paths = download_files(
        files,
        cache_dir,
        base_url=base_url,
        max_workers=max_workers,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        progress=progress,
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
    release = data_release(base_url=base_url, retries=retries, backoff=backoff, timeout=timeout)
    provenance = {"gdc_manifest": files_manifest(files, workflow), "gdc_release": release}
    return dataclasses.replace(cohort, provenance=provenance)


def files_manifest(files: Sequence[GdcFile], workflow: str) -> pd.DataFrame:
    """One row per downloaded file: what the cohort's counts were read from, md5 included."""
    manifest = pd.DataFrame(
        [{**dataclasses.asdict(file), "workflow_type": workflow} for file in files],
        columns=[field.name for field in dataclasses.fields(GdcFile)] + ["workflow_type"],
    )
    return manifest[list(MANIFEST_COLUMNS)].sort_values(["barcode", "file_id"], ignore_index=True)


def data_release(
    *, base_url: str = GDC_API, retries: int = 5, backoff: float = 0.5, timeout: float = 60.0
) -> dict[str, str | int | None]:
    """The GDC data release the API serves now (its `status` endpoint), to record with a download.

    Only short scalar values are kept, so an odd answer cannot bloat or break the record.
    """
    url = f"{base_url.rstrip('/')}/status"
    with make_session(retries, backoff) as session:
        try:
            response = session.get(url, timeout=timeout)
        except requests.RequestException as error:
            raise GdcError(f"GDC status query failed at {url}: {error}") from error
    try:
        status = response.json() if response.status_code == 200 else None
    except ValueError:
        status = None
    if not isinstance(status, dict) or not isinstance(status.get("data_release"), str):
        raise GdcError(
            f"GDC status endpoint {url} answered HTTP {response.status_code} without a "
            f"data_release: {response.text[:300]}"
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
