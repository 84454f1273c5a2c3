"""A GDC-shaped HTTP server on loopback (files and data endpoints) with injectable faults.

Tests of the GDC client use it instead of the internet: it answers the files query with nested
hits and pagination as the GDC API does, serves file bytes with Range support, and can be told to
misbehave (server errors, dropped or trickling connections, corrupt or oversized bodies,
rate limits with Retry-After, broken paging, non-JSON answers).
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAST = {"backoff": 0.001, "timeout": 5.0, "progress": False}
STATUS = {  # the API's /status answer, as api.gdc.cancer.gov gives it
    "commit": "3f2c1a0",
    "data_release": "Data Release 41.0 - August 28, 2024",
    "status": "OK",
    "tag": "6.1.0",
    "version": 1,
}
GENES = [
    ("ENSG00000000003.15", "TSPAN6", "protein_coding"),
    ("ENSG00000000005.6", "TNMD", "protein_coding"),
    ("ENSG00000000419.13", "DPM1", "protein_coding"),
]
FILLER_GENES = 4000


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
    rate_limit: dict[str, list[str]] = field(default_factory=dict)  # path -> Retry-After of 429s
    trickle: dict[str, float] = field(default_factory=dict)  # file id -> seconds between bytes
    oversize: dict[str, int] = field(default_factory=dict)  # file id -> extra bytes sent
    paging: str = "honest"  # "ignore_from": every page starts at 0; "overlap": repeats one hit
    files_answer: bytes | None = None  # raw body for the files query (bad JSON, HTML, ...)
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

        def _rate_limited(self) -> bool:
            with state.lock:
                waits = state.rate_limit.get(self.path, [])
                wait = waits.pop(0) if waits else None
            if wait is not None:
                self._reply(429, b'{"message": "slow down"}', {"Retry-After": wait})
            return wait is not None

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
            if self.path != "/files" or self._rate_limited() or self._injected_500():
                return
            if state.files_answer is not None:
                self._reply(200, state.files_answer, {"Content-Type": "text/html"})
                return
            hits = [f.hit() for f in state.files.values() if _matches(f, body["filters"])]
            start, size = int(body.get("from", 0)), int(body["size"])
            if state.paging == "ignore_from":
                start = 0
            page = hits[start : start + size]
            if state.paging == "overlap" and start:
                page = [hits[start - 1], *page]  # the last hit of the previous page, again
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
            if self._rate_limited() or self._injected_500():
                return
            content = state.files[file_id].content + b"x" * state.oversize.get(file_id, 0)
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
            if file_id in state.trickle:  # one byte at a time until the client gives up
                sent = self._trickle(body, state.trickle[file_id])
            elif dropping:  # send half, then cut the connection mid-body
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

        def _trickle(self, body: bytes, pause: float) -> int:
            for sent, byte in enumerate(body):
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:  # the client hung up: what a deadline is for
                    self.close_connection = True
                    return sent
                time.sleep(pause)
            return len(body)

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


@contextmanager
def serve(files: list[FakeFile]) -> Iterator[FakeGdc]:
    """A running fake GDC on 127.0.0.1 (a free port) serving ``files``; stopped on exit."""
    state = FakeGdc(files={f.file_id: f for f in files})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
