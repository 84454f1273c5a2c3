"""Downloads and HTTP for the GDC client, written for answers that cannot be trusted.

A server can be slow, overloaded or wrong: every read is bounded by a deadline (the socket
timeout alone restarts with each byte, so a server sending one byte a second would never time
out), waits before a retry honour ``Retry-After`` up to a ceiling, and an answer that is not the
JSON the API documents becomes a ``GdcError`` naming the URL instead of a raw traceback.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests
import urllib3
from tqdm import tqdm

from degnext.errors import DEGnextInputError

GDC_API = "https://api.gdc.cancer.gov"
RETRY_STATUS = (429, 500, 502, 503, 504)
TRANSFER_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)
_CHUNK = 1 << 16
DEADLINE = 600.0  # seconds for one file (all its attempts) or one page of the file list
MAX_RETRY_WAIT = 120.0  # longest wait before a retry, whatever Retry-After asks
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_MD5 = re.compile(r"[0-9a-fA-F]{32}")


class GdcError(DEGnextInputError):
    """The GDC API or a download failed; a DEGnextInputError so the CLI shows one clear message."""


def _check_component(value: object, what: str) -> None:
    """GdcError unless ``value`` is one plain file-name component: it becomes a local path."""
    if (
        not isinstance(value, str)
        or value in {"", ".", ".."}
        or any(bad in value for bad in ("/", "\\", "\0"))
        or len(value.encode()) > 255
    ):
        raise GdcError(f"{what} {value!r} is not a plain file name; refusing to use it as a path")


@dataclass(frozen=True)
class GdcFile:
    """One counts file of the cohort with the sample it measures.

    Built from server answers, so the fields that become the local path
    ``<cache>/<file_id>/<file_name>`` are checked here, wherever a GdcFile comes from.
    """

    file_id: str
    file_name: str
    md5sum: str
    file_size: int
    case_id: str
    barcode: str
    sample_type: str
    aliquot: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.file_id, str) or not _FILE_ID.fullmatch(self.file_id):
            raise GdcError(
                f"GDC file id {self.file_id!r} is not a plain id (letters, digits, -, _)"
            )
        _check_component(self.file_name, f"GDC file {self.file_id}: file_name")
        if not isinstance(self.md5sum, str) or not _MD5.fullmatch(self.md5sum):
            raise GdcError(f"GDC file {self.file_id}: md5sum {self.md5sum!r} is not 32 hex digits")
        if (
            isinstance(self.file_size, bool)
            or not isinstance(self.file_size, int)
            or self.file_size < 0
        ):
            raise GdcError(f"GDC file {self.file_id}: file_size {self.file_size!r} is not a size")
        if not isinstance(self.barcode, str) or not self.barcode.strip():
            raise GdcError(f"GDC file {self.file_id}: sample barcode {self.barcode!r} is empty")


class DeadlineExceeded(Exception):
    """A transfer ran past its deadline (the caller says which file or query)."""


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked by a Retry-After header (delta seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def retry_delay(
    attempt: int, backoff: float, response: requests.Response | None, max_retry_wait: float
) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...): exponential backoff, or the server's
    Retry-After when it asks for longer, never more than ``max_retry_wait``."""
    delay = backoff * 2 ** (attempt - 1)
    asked = None if response is None else _retry_after_seconds(response.headers.get("Retry-After"))
    return min(max(delay, asked or 0.0), max_retry_wait)


class Attempts:
    """The tries of one request: exponential backoff or the server's Retry-After between them
    (at most ``max_retry_wait``), all within ``deadline`` seconds from now.

    Iterate to get each try; ``failed`` records why one failed (and the answer, for its
    Retry-After); after the loop ``timed_out`` says whether the deadline, not the number of
    retries, ended it.
    """

    def __init__(self, retries: int, backoff: float, deadline: float, max_retry_wait: float):
        self.retries, self.backoff, self.max_retry_wait = retries, backoff, max_retry_wait
        self.end = time.monotonic() + deadline
        self.tried, self.problem, self.timed_out = 0, "", False
        self._last: requests.Response | None = None

    def __iter__(self) -> Iterator[int]:
        for attempt in range(self.retries + 1):
            if attempt:
                wait = retry_delay(attempt, self.backoff, self._last, self.max_retry_wait)
                if time.monotonic() + wait > self.end:
                    self.timed_out = True
                    return
                time.sleep(wait)
            self.tried, self._last = self.tried + 1, None
            yield attempt

    def failed(self, problem: str, response: requests.Response | None = None) -> None:
        self.problem, self._last = problem, response


def stream_body(response: requests.Response, deadline: float) -> Iterator[bytes]:
    """The body's bytes as they arrive; DeadlineExceeded once ``time.monotonic()`` passes
    ``deadline``. read1 returns after one socket read, so a trickling server is caught between
    reads instead of after a 64 KiB chunk that may never fill."""
    while chunk := response.raw.read1(_CHUNK, decode_content=True):
        yield chunk
        if time.monotonic() > deadline:
            raise DeadlineExceeded


def _json_object(body: bytes, response: requests.Response, url: str) -> dict:
    """A GDC answer parsed as a JSON object; anything else (HTML, broken JSON) names the URL."""
    try:
        payload = json.loads(body)
    except ValueError as error:
        kind = response.headers.get("Content-Type", "no Content-Type")
        raise GdcError(
            f"GDC answer of {url} is not JSON ({kind}): starts {body[:120]!r}"
        ) from error
    if not isinstance(payload, dict):
        raise GdcError(f"GDC answer of {url} is not a JSON object: starts {body[:120]!r}")
    return payload


def hits_page(payload: dict, url: str) -> dict:
    """``data`` of a files answer, checked to hold a ``hits`` list and a ``pagination.total``."""
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("hits"), list):
        raise GdcError(
            f"GDC answer of {url} has no 'data' with a 'hits' list: {str(payload)[:200]}"
        )
    pagination = data.get("pagination")
    total = pagination.get("total") if isinstance(pagination, dict) else None
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise GdcError(f"GDC answer of {url} has no valid data.pagination.total: {pagination!r}")
    return data


def request_json(  # noqa: PLR0913
    session: requests.Session,
    url: str,
    body: dict | None,
    *,
    retries: int,
    backoff: float,
    timeout: float,
    deadline: float,
    max_retry_wait: float,
) -> dict:
    """POST ``body`` (GET when None) and return the JSON answer, retrying 429/5xx and drops.

    ``deadline`` is seconds for the whole call, retries and waits included.
    """
    attempts = Attempts(retries, backoff, deadline, max_retry_wait)
    for _ in attempts:
        try:
            method = "GET" if body is None else "POST"
            with session.request(method, url, json=body, timeout=timeout, stream=True) as response:
                content = b"".join(stream_body(response, attempts.end))
        except DeadlineExceeded:
            raise GdcError(f"GDC query at {url} took longer than deadline={deadline} s") from None
        except TRANSFER_ERRORS as error:
            attempts.failed(f"connection failed ({error.__class__.__name__})")
            continue
        if response.status_code in RETRY_STATUS:
            attempts.failed(f"HTTP {response.status_code}: {content[:300]!r}", response)
            continue
        if response.status_code != 200:
            raise GdcError(
                f"GDC query at {url} answered HTTP {response.status_code}: {content[:300]!r}"
            )
        return _json_object(content, response, url)
    raise GdcError(
        f"GDC query at {url} failed after {attempts.tried} attempt(s): {attempts.problem}"
    )


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_complete(path: Path, file: GdcFile) -> bool:
    return path.is_file() and path.stat().st_size == file.file_size and _md5(path) == file.md5sum


class _Oversized(Exception):
    """The server sent more bytes than the API's file_size."""


def _fetch_into(  # noqa: PLR0913
    session: requests.Session, url: str, part: Path, size: int, timeout: float, end: float
) -> None:
    """Stream the file into `part`, continuing after the bytes already there (Range request).

    Stops with DeadlineExceeded at monotonic time ``end`` and with _Oversized before writing
    more than ``size`` bytes.
    """
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    with session.get(url, headers=headers, stream=True, timeout=timeout) as response:
        if response.status_code == 416:  # nothing left to send: the .part already holds it all
            return
        response.raise_for_status()
        resumed = response.status_code == 206 and response.headers.get(
            "Content-Range", ""
        ).startswith(f"bytes {offset}-")
        written = offset if resumed else 0
        with open(part, "ab" if resumed else "wb") as handle:
            for chunk in stream_body(response, end):
                written += len(chunk)
                if written > size:
                    raise _Oversized
                handle.write(chunk)


def download_file(  # noqa: PLR0913
    file: GdcFile,
    cache_dir: str | Path,
    *,
    base_url: str = GDC_API,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
    deadline: float = DEADLINE,
    max_retry_wait: float = MAX_RETRY_WAIT,
) -> Path:
    """Fetch one file into <cache>/<file_id>/<file_name>, verified by md5; skip it if already there.

    Server errors and dropped connections are retried with exponential backoff (or the server's
    Retry-After, at most ``max_retry_wait`` s), resuming the partial file; a finished file with a
    bad md5 discards only the .part before the next try. All attempts together get ``deadline``
    seconds; past it the .part stays for the next run to resume.
    """
    target = Path(cache_dir) / file.file_id / file.file_name
    if _is_complete(target, file):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    url = f"{base_url.rstrip('/')}/data/{file.file_id}"
    attempts = Attempts(retries, backoff, deadline, max_retry_wait)
    with requests.Session() as session:  # retries are our loop, bounded by the deadline
        for _ in attempts:
            try:
                _fetch_into(session, url, part, file.file_size, timeout, attempts.end)
            except requests.HTTPError as error:
                status = error.response.status_code if error.response is not None else None
                if status not in RETRY_STATUS:
                    raise GdcError(
                        f"GDC file {file.file_id} ({file.file_name}): HTTP {status} from {url}"
                    ) from error
                attempts.failed(f"HTTP {status}", error.response)
                continue
            except DeadlineExceeded:
                attempts.timed_out = True
                break
            except _Oversized:
                part.unlink()
                attempts.failed(f"the server sent more than the {file.file_size} bytes listed")
                continue
            except TRANSFER_ERRORS as error:
                attempts.failed(f"connection failed ({error.__class__.__name__})")
                continue
            size = part.stat().st_size if part.exists() else 0
            if size < file.file_size:
                attempts.failed(f"incomplete transfer ({size} of {file.file_size} bytes)")
                continue
            if _md5(part) == file.md5sum:
                os.replace(part, target)
                return target
            part.unlink()
            attempts.failed(f"md5 mismatch (expected {file.md5sum})")
    where = f"GDC file {file.file_id} ({file.file_name}) from {url}"
    if not attempts.timed_out:
        raise GdcError(f"{where} failed after {attempts.tried} attempts: {attempts.problem}")
    have = part.stat().st_size if part.exists() else 0
    raise GdcError(
        f"{where}: not downloaded within deadline={deadline} s ({have} of {file.file_size} "
        "bytes kept for a rerun to resume)"
        + (f"; last problem: {attempts.problem}" if attempts.problem else "")
    )


def download_files(  # noqa: PLR0913
    files: Sequence[GdcFile],
    cache_dir: str | Path,
    *,
    base_url: str = GDC_API,
    max_workers: int = 4,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: float = 60.0,
    deadline: float = DEADLINE,
    max_retry_wait: float = MAX_RETRY_WAIT,
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
                deadline=deadline,
                max_retry_wait=max_retry_wait,
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
