"""GDC client against a loopback server that speaks the GDC files/data API (no internet)."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from degnext.errors import DEGnextInputError
from degnext.gdc import (
    MANIFEST_COLUMNS,
    GdcError,
    data_release,
    download_files,
    fetch_cohort,
    files_filter,
    query_files,
)
from degnext.sources import load_cohort

FAST = {"backoff": 0.001, "timeout": 5.0, "progress": False}
GENES = [
    ("ENSG00000000003.15", "TSPAN6", "protein_coding"),
    ("ENSG00000000005.6", "TNMD", "protein_coding"),
    ("ENSG00000000419.13", "DPM1", "protein_coding"),
]
FILLER_GENES = 4000
STATUS = {  # the API's /status answer, as api.gdc.cancer.gov gives it
    "commit": "3f2c1a0",
    "data_release": "Data Release 41.0 - August 28, 2024",
    "status": "OK",
    "tag": "6.1.0",
    "version": 1,
}


def star_bytes(counts: list[int]) -> bytes:
    """A GDC augmented_star_gene_counts.tsv (gene-model comment, header, 4 N_ rows, genes)."""
    lines = [
        "# gene-model: GENCODE v36",
        "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second"
        "\ttpm_unstranded\tfpkm_unstranded\tfpkm_uq_unstranded",
    ]
    lines += [
        f"{name}\t\t\t5\t5\t5\t\t\t"
        for name in ("N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous")
    ]
    lines += [
        f"{gid}\t{sym}\t{kind}\t{c}\t{c}\t0\t1.0\t1.0\t1.0"
        for (gid, sym, kind), c in zip(GENES, counts, strict=True)
    ]
    # filler genes make files span several download chunks, so a cut transfer leaves a .part
    lines += [
        f"ENSG9{i:010d}.1\tFILL{i}\tlncRNA\t{i % 7}\t{i % 7}\t0\t0.1\t0.1\t0.1"
        for i in range(FILLER_GENES)
    ]
    return ("\n".join(lines) + "\n").encode()


def htseq_bytes(counts: list[int]) -> bytes:
    lines = [f"{gid}\t{c}" for (gid, _, _), c in zip(GENES, counts, strict=True)]
    return ("\n".join([*lines, "__no_feature\t3", "__ambiguous\t1"]) + "\n").encode()


@dataclass
class FakeFile:
    file_id: str
    file_name: str
    content: bytes
    barcode: str
    sample_type: str
    project: str = "TCGA-TEST"
    workflow: str = "STAR - Counts"

    def hit(self) -> dict:
        """A files-endpoint hit shaped like the GDC API's (nested cases/samples/aliquots)."""
        return {
            "id": self.file_id,
            "file_id": self.file_id,
            "file_name": self.file_name,
            "md5sum": hashlib.md5(self.content).hexdigest(),
            "file_size": len(self.content),
            "cases": [
                {
                    "case_id": f"case-{self.barcode[:12]}",
                    "submitter_id": self.barcode[:12],
                    "samples": [
                        {
                            "submitter_id": self.barcode,
                            "sample_type": self.sample_type,
                            "portions": [
                                {
                                    "analytes": [
                                        {
                                            "aliquots": [
                                                {"submitter_id": f"{self.barcode}-11R-A000-07"}
                                            ]
                                        }
                                    ]
                                }
                            ],
                        }
                    ],
                }
            ],
        }


@dataclass
class FakeGdc:
    """State of the fake server: files, injected faults, and a log of what was requested."""

    files: dict[str, FakeFile] = field(default_factory=dict)
    fail_500: dict[str, int] = field(default_factory=dict)  # path -> 500 answers still to give
    drop: dict[str, int] = field(default_factory=dict)  # file id -> connections still to drop
    corrupt: set[str] = field(default_factory=set)  # file ids served with wrong bytes
    log: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range
    bodies: list[dict] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""
    status: object = field(default_factory=lambda: dict(STATUS))  # what /status answers

    def gets(self, file_id: str) -> list[str | None]:
        return [rng for method, path, rng in self.log if path == f"/data/{file_id}"]


def _matches(file: FakeFile, filters: dict) -> bool:
    """Evaluate the `and` of `in` filters the client sends, on the fields the fake knows."""
    values = {
        "cases.project.project_id": file.project,
        "files.analysis.workflow_type": file.workflow,
        "cases.samples.sample_type": file.sample_type,
        "files.data_category": "Transcriptome Profiling",
        "files.data_type": "Gene Expression Quantification",
        "files.access": "open",
    }
    assert filters["op"] == "and"
    return all(
        values[clause["content"]["field"]] in clause["content"]["value"]
        for clause in filters["content"]
    )


def _handler(state: FakeGdc) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _injected_500(self) -> bool:
            with state.lock:
                left = state.fail_500.get(self.path, 0)
                state.fail_500[self.path] = max(left - 1, 0)
            if left:
                self._reply(500, b'{"message": "injected"}')
            return bool(left)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.log.append(("POST", self.path, None))
                state.bodies.append(body)
            if self.path != "/files" or self._injected_500():
                return
            hits = [f.hit() for f in state.files.values() if _matches(f, body["filters"])]
            start, size = int(body.get("from", 0)), int(body["size"])
            page = hits[start : start + size]
            answer = {
                "data": {
                    "hits": page,
                    "pagination": {
                        "count": len(page),
                        "total": len(hits),
                        "size": size,
                        "from": start,
                        "sort": "",
                        "page": start // size + 1,
                        "pages": -(-len(hits) // size),
                    },
                },
                "warnings": {},
            }
            self._reply(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

        def do_GET(self) -> None:
            with state.lock:
                state.log.append(("GET", self.path, self.headers.get("Range")))
            if self.path == "/status":
                self._reply(200, json.dumps(state.status).encode())
                return
            file_id = self.path.removeprefix("/data/")
            if file_id not in state.files:
                self._reply(404, b"no such file")
                return
            if self._injected_500():
                return
            content = state.files[file_id].content
            if file_id in state.corrupt:
                content = content.replace(b"\t", b" ", 1)
            start = 0
            if self.headers.get("Range"):
                start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
                if start >= len(content):
                    self._reply(416, b"", {"Content-Range": f"bytes */{len(content)}"})
                    return
            body = content[start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body)))
            if start:
                self.send_header(
                    "Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}"
                )
            self.end_headers()
            with state.lock:
                dropping = state.drop.get(file_id, 0)
                state.drop[file_id] = max(dropping - 1, 0)
            if dropping:  # send half, then cut the connection mid-body
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                sent = len(body) // 2
            else:
                self.wfile.write(body)
                sent = len(body)
            with state.lock:
                state.bytes_sent[file_id] = state.bytes_sent.get(file_id, 0) + sent

    return Handler


COHORT = [
    FakeFile(
        "f-n1",
        "n1.rna_seq.augmented_star_gene_counts.tsv",
        star_bytes([1, 2, 3]),
        "TCGA-AA-0001-11A",
        "Solid Tissue Normal",
    ),
    FakeFile(
        "f-t1",
        "t1.rna_seq.augmented_star_gene_counts.tsv",
        star_bytes([10, 20, 30]),
        "TCGA-AA-0001-01A",
        "Primary Tumor",
    ),
    FakeFile(
        "f-t2",
        "t2.rna_seq.augmented_star_gene_counts.tsv",
        star_bytes([11, 0, 31]),
        "TCGA-AA-0002-01A",
        "Primary Tumor",
    ),
    FakeFile(
        "f-m",
        "m.rna_seq.augmented_star_gene_counts.tsv",
        star_bytes([9, 9, 9]),
        "TCGA-AA-0003-06A",
        "Metastatic",
    ),
    FakeFile(
        "f-h",
        "h.htseq.counts",
        htseq_bytes([4, 5, 6]),
        "TCGA-AA-0004-11A",
        "Solid Tissue Normal",
        workflow="HTSeq - Counts",
    ),
    FakeFile(
        "f-other",
        "o.tsv",
        star_bytes([0, 0, 0]),
        "TCGA-BB-0001-01A",
        "Primary Tumor",
        project="TCGA-OTHER",
    ),
]


@pytest.fixture
def gdc() -> Iterator[FakeGdc]:
    state = FakeGdc(files={f.file_id: f for f in COHORT})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_query_filters_and_pages(gdc: FakeGdc) -> None:
    files = query_files("TEST", base_url=gdc.base_url, page_size=1, backoff=0.001)
    assert sorted(f.file_id for f in files) == ["f-n1", "f-t1", "f-t2"]
    assert [body["from"] for body in gdc.bodies] == [0, 1, 2]
    sent = gdc.bodies[0]
    assert sent["filters"] == files_filter("TCGA-TEST")
    assert "cases.samples.sample_type" in sent["fields"].split(",")
    t1 = next(f for f in files if f.file_id == "f-t1")
    assert (t1.barcode, t1.sample_type, t1.case_id) == (
        "TCGA-AA-0001-01A",
        "Primary Tumor",
        "case-TCGA-AA-0001",
    )
    assert t1.aliquot == "TCGA-AA-0001-01A-11R-A000-07"
    assert t1.md5sum == hashlib.md5(COHORT[1].content).hexdigest()


def test_unknown_project(gdc: FakeGdc) -> None:
    with pytest.raises(DEGnextInputError, match="TCGA-XXXX"):
        query_files("TCGA-XXXX", base_url=gdc.base_url)
    with pytest.raises(DEGnextInputError, match="project='TCGA-BR CA'"):
        query_files("TCGA-BR CA", base_url=gdc.base_url)


def test_query_retries_server_errors(gdc: FakeGdc) -> None:
    gdc.fail_500["/files"] = 2
    assert len(query_files("TEST", base_url=gdc.base_url, backoff=0.001)) == 3
    assert len(gdc.bodies) == 3
    gdc.fail_500["/files"] = 10
    with pytest.raises(GdcError, match="HTTP 500"):
        query_files("TEST", base_url=gdc.base_url, retries=2, backoff=0.001)


def test_fetch_cohort_and_skip_on_rerun(gdc: FakeGdc, tmp_path: Path) -> None:
    cohort = fetch_cohort("TCGA-TEST", tmp_path, base_url=gdc.base_url, max_workers=3, **FAST)
    assert list(cohort.counts.columns) == [
        "TCGA-AA-0001-11A",
        "TCGA-AA-0001-01A",
        "TCGA-AA-0002-01A",
    ]
    assert cohort.counts.loc["ENSG00000000005.6"].tolist() == [2, 20, 0]
    assert cohort.samples["file_id"].tolist() == ["f-n1", "f-t1", "f-t2"]
    assert cohort.samples["condition"].tolist() == ["normal", "tumor", "tumor"]
    assert cohort.genes.loc["ENSG00000000003.15", "gene_type"] == "protein_coding"
    for file in COHORT[:3]:
        assert (tmp_path / file.file_id / file.file_name).read_bytes() == file.content
    assert not list(tmp_path.rglob("*.part"))
    before = len(gdc.gets("f-n1") + gdc.gets("f-t1") + gdc.gets("f-t2"))
    again = load_cohort(
        "gdc", {"project": "TEST", "cache_dir": tmp_path, "base_url": gdc.base_url, **FAST}
    )
    assert len(gdc.gets("f-n1") + gdc.gets("f-t1") + gdc.gets("f-t2")) == before  # all skipped
    assert again.counts.equals(cohort.counts)


def test_download_retries_500_and_dropped_connection(gdc: FakeGdc, tmp_path: Path) -> None:
    files = query_files("TEST", base_url=gdc.base_url)
    gdc.fail_500["/data/f-t1"] = 2
    gdc.drop["f-t2"] = 1
    paths = download_files(files, tmp_path, base_url=gdc.base_url, retries=3, **FAST)
    assert paths["f-t1"].read_bytes() == COHORT[1].content
    assert paths["f-t2"].read_bytes() == COHORT[2].content
    assert gdc.gets("f-t1") == [None, None, None]
    first, second = gdc.gets("f-t2")
    assert first is None and second.startswith("bytes=")  # resumed after the drop
    resumed_at = int(second.removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= len(COHORT[2].content) // 2


def test_resume_partial_download(gdc: FakeGdc, tmp_path: Path) -> None:
    file = next(f for f in query_files("TEST", base_url=gdc.base_url) if f.file_id == "f-n1")
    part = tmp_path / "f-n1" / f"{file.file_name}.part"
    part.parent.mkdir()
    part.write_bytes(COHORT[0].content[:40])
    paths = download_files([file], tmp_path, base_url=gdc.base_url, **FAST)
    assert paths["f-n1"].read_bytes() == COHORT[0].content
    assert gdc.gets("f-n1") == ["bytes=40-"]
    assert gdc.bytes_sent["f-n1"] == len(COHORT[0].content) - 40
    assert not part.exists()


def test_md5_mismatch_is_rejected_and_good_files_kept(gdc: FakeGdc, tmp_path: Path) -> None:
    files = query_files("TEST", base_url=gdc.base_url)
    gdc.corrupt.add("f-t2")
    with pytest.raises(GdcError, match=r"f-t2 .*md5 mismatch") as error:
        download_files(files, tmp_path, base_url=gdc.base_url, retries=2, **FAST)
    assert "f-t1" not in str(error.value)
    assert len(gdc.gets("f-t2")) == 3
    assert not list((tmp_path / "f-t2").iterdir())  # the bad .part is gone, nothing finished
    for file in COHORT[:2]:
        assert (tmp_path / file.file_id / file.file_name).read_bytes() == file.content
    gdc.corrupt.clear()  # a rerun fetches only the missing file
    download_files(files, tmp_path, base_url=gdc.base_url, **FAST)
    assert len(gdc.gets("f-t2")) == 4 and len(gdc.gets("f-t1")) == 1


def test_completed_file_with_stale_md5_is_replaced_only_when_verified(
    gdc: FakeGdc, tmp_path: Path
) -> None:
    file = next(f for f in query_files("TEST", base_url=gdc.base_url) if f.file_id == "f-t1")
    target = tmp_path / "f-t1" / file.file_name
    target.parent.mkdir()
    target.write_bytes(b"an older version of the file")
    gdc.corrupt.add("f-t1")
    with pytest.raises(GdcError, match="f-t1"):
        download_files([file], tmp_path, base_url=gdc.base_url, retries=1, **FAST)
    assert target.read_bytes() == b"an older version of the file"  # never deleted
    gdc.corrupt.clear()
    download_files([file], tmp_path, base_url=gdc.base_url, **FAST)
    assert target.read_bytes() == COHORT[1].content


def test_htseq_workflow_is_refused_before_any_request(gdc: FakeGdc, tmp_path: Path) -> None:
    with pytest.raises(DEGnextInputError, match="GDC no longer serves HTSeq.*'STAR - Counts'"):
        fetch_cohort("TEST", tmp_path, base_url=gdc.base_url, workflow="HTSeq - Counts", **FAST)
    assert gdc.log == [] and not list(tmp_path.iterdir())


def test_fetch_cohort_records_the_data_release_and_a_manifest(gdc: FakeGdc, tmp_path) -> None:
    cohort = fetch_cohort("TEST", tmp_path, base_url=gdc.base_url, **FAST)
    assert cohort.provenance["gdc_release"] == {
        "api": gdc.base_url,
        "data_release": "Data Release 41.0 - August 28, 2024",
        "version": 1,
        "tag": "6.1.0",
        "commit": "3f2c1a0",
    }
    manifest = cohort.provenance["gdc_manifest"]
    assert list(manifest.columns) == list(MANIFEST_COLUMNS)
    assert manifest["file_id"].tolist() == ["f-t1", "f-n1", "f-t2"]  # sorted by sample barcode
    for row in manifest.itertuples():
        served = gdc.files[row.file_id]
        assert (row.file_name, row.barcode, row.sample_type) == (
            served.file_name,
            served.barcode,
            served.sample_type,
        )
        assert row.md5sum == hashlib.md5(served.content).hexdigest()
        assert row.file_size == len(served.content) and row.workflow_type == "STAR - Counts"
        assert hashlib.md5((tmp_path / row.file_id / row.file_name).read_bytes()).hexdigest() == row.md5sum


@pytest.mark.parametrize(
    "answer", [["not", "a", "dict"], {"status": "OK"}, {"data_release": 41}]
)
def test_status_without_a_data_release_is_an_error(gdc: FakeGdc, answer: object) -> None:
    gdc.status = answer
    with pytest.raises(GdcError, match="without a data_release"):
        data_release(base_url=gdc.base_url, backoff=0.001)


def test_status_fields_of_odd_types_are_dropped(gdc: FakeGdc) -> None:
    gdc.status = {"data_release": "R" * 1000, "version": True, "tag": {"x": 1}, "commit": 7}
    record = data_release(base_url=gdc.base_url, backoff=0.001)
    assert record == {"api": gdc.base_url, "data_release": "R" * 200, "version": None, "tag": None, "commit": 7}  # fmt: skip
