"""The GDC client against a hostile or broken server (the loopback fake of tests/fake_gdc.py).

Each case checks the exact outcome — the GdcError and the name it must mention, or the right
cohort — and that nothing was written outside the cache and no file already there changed.
Every case is bounded to seconds: deadlines and waits are set small.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from degnext.data.gdc import GdcError, GdcFile, download_files, fetch_cohort, query_files
from degnext.data.gdc_transfer import retry_delay
from degnext.data.sources import load_cohort
from tests.fake_gdc import COHORT, FAST, FakeGdc, serve

GOOD = COHORT[:3]  # one normal, two tumors of TCGA-TEST
COLUMNS = ["TCGA-AA-0001-11A", "TCGA-AA-0001-01A", "TCGA-AA-0002-01A"]


@pytest.fixture
def gdc() -> Iterator[FakeGdc]:
    with serve(list(GOOD)) as state:
        yield state


@pytest.fixture
def site(tmp_path: Path, untouched):
    """A cache folder and, beside it, a folder with a file that nothing may touch."""
    cache, outside = tmp_path / "cache", tmp_path / "outside"
    cache.mkdir()
    outside.mkdir()
    (outside / "keep.tsv").write_text("precious\n")
    return cache, outside, untouched(tmp_path)


def _hostile(gdc: FakeGdc, **changes: str) -> None:
    """Replace the tumor file f-t2 by one whose server-given fields are ``changes``."""
    bad = replace(GOOD[2], **changes)
    gdc.files = {f.file_id: f for f in (*GOOD[:2], bad)}


def _gets(gdc: FakeGdc) -> list:
    return [entry for entry in gdc.log if entry[0] == "GET"]


# ---------------------------------------------------------------- server-given path components

NAME_CASES = {
    "parent": "../escape.tsv",
    "deep_parent": "../../outside/keep.tsv",
    "empty": "",
    "nul": "counts\x00.tsv",
    "dotdot": "..",
    "dot": ".",
    "subfolder": "sub/counts.tsv",
    "backslash": "..\\escape.tsv",
    "too_long": "x" * 256,
}


@pytest.mark.parametrize("name", list(NAME_CASES.values()), ids=list(NAME_CASES))
def test_unsafe_file_name_is_refused_before_any_download(gdc, site, name):
    cache, _, guard = site
    _hostile(gdc, file_name=name)
    with pytest.raises(
        GdcError, match=r"/files: GDC file f-t2: file_name .* not a plain file name"
    ):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, **FAST)
    assert _gets(gdc) == []
    assert guard.check() == set()


def test_absolute_file_name_writes_nothing_there(gdc, site):
    cache, outside, guard = site
    target = outside / "absolute.tsv"
    _hostile(gdc, file_name=str(target))
    with pytest.raises(GdcError, match="absolute.tsv' is not a plain file name"):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, **FAST)
    assert not target.exists()
    assert guard.check() == set()


ID_CASES = {
    "parent": "../f-t2",
    "absolute": "/tmp/f-t2",
    "empty": "",
    "nul": "f-t2\x00",
    "query": "f-t2?x=1",
    "dot": ".",
}


@pytest.mark.parametrize("file_id", list(ID_CASES.values()), ids=list(ID_CASES))
def test_unsafe_file_id_is_refused_before_any_download(gdc, site, file_id):
    cache, _, guard = site
    _hostile(gdc, file_id=file_id)
    with pytest.raises(GdcError, match=r"/files: GDC file id .* is not a plain id"):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, **FAST)
    assert _gets(gdc) == []
    assert guard.check() == set()


def test_a_gdcfile_built_by_hand_is_checked_too(site):
    cache, _, guard = site
    with pytest.raises(GdcError, match=r"file_name '\.\./x' is not a plain file name"):
        GdcFile("f-1", "../x", "0" * 32, 1, "case", "TCGA-AA-0001-01A", "Primary Tumor")
    assert guard.check() == set()


# ---------------------------------------------------------------- paging


def test_hits_repeated_across_pages_make_no_duplicate_sample(gdc, tmp_path):
    gdc.paging = "overlap"
    files = query_files("TEST", base_url=gdc.base_url, page_size=2, backoff=0.001)
    assert sorted(f.file_id for f in files) == ["f-n1", "f-t1", "f-t2"]
    cohort = fetch_cohort("TEST", tmp_path, base_url=gdc.base_url, **FAST)
    assert list(cohort.counts.columns) == COLUMNS


def test_server_ignoring_from_is_an_error_not_a_short_or_repeated_cohort(gdc, site):
    _, _, guard = site
    gdc.paging = "ignore_from"
    with pytest.raises(GdcError, match=r"/files \(from=1\) adds no new file: 1 of the 3"):
        query_files("TEST", base_url=gdc.base_url, page_size=1)
    assert [body["from"] for body in gdc.bodies] == [0, 1]
    assert guard.check() == set()


def test_server_ignoring_from_with_everything_on_one_page_is_fine(gdc, tmp_path):
    gdc.paging = "ignore_from"
    cohort = fetch_cohort("TEST", tmp_path, base_url=gdc.base_url, **FAST)
    assert list(cohort.counts.columns) == COLUMNS


def _answer(hits: list[dict], total: int | None) -> bytes:
    data: dict = {"hits": hits}
    if total is not None:
        data["pagination"] = {"total": total}
    return json.dumps({"data": data}).encode()


def test_same_file_listed_twice_with_different_details_is_an_error(gdc, site):
    cache, _, guard = site
    first, second = GOOD[2].hit(), GOOD[2].hit()
    second["md5sum"] = "0" * 32
    gdc.files_answer = _answer([first, second], 2)
    with pytest.raises(GdcError, match="/files lists file f-t2 twice, differently"):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, **FAST)
    assert guard.check() == set()


def test_listing_shorter_than_its_total_is_an_error(gdc, site):
    cache, _, guard = site
    gdc.files_answer = _answer([f.hit() for f in GOOD], 5)
    with pytest.raises(GdcError, match=r"adds no new file: 3 of the 5 listed files"):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, **FAST)
    assert guard.check() == set()


def test_two_files_of_one_sample_are_named_by_their_aliquots(gdc, tmp_path):
    again = replace(GOOD[2], file_id="f-t2-again", file_name="again.tsv")
    gdc.files = {f.file_id: f for f in (*GOOD, again)}
    hits = {f.file_id: f.hit() for f in gdc.files.values()}
    hits["f-t2-again"]["cases"][0]["samples"][0]["portions"][0]["analytes"][0]["aliquots"] = [
        {"submitter_id": f"{again.barcode}-21R-A999-07"}
    ]
    gdc.files_answer = _answer(list(hits.values()), 4)
    cohort = fetch_cohort("TEST", tmp_path, base_url=gdc.base_url, **FAST)
    aliquots = [f"{GOOD[2].barcode}-11R-A000-07", f"{GOOD[2].barcode}-21R-A999-07"]
    assert list(cohort.counts.columns) == [*COLUMNS[:2], *aliquots]
    assert cohort.samples["file_id"].tolist()[2:] == ["f-t2", "f-t2-again"]


# ---------------------------------------------------------------- answers that are not the API's

BAD_ANSWERS = {
    "html": (b"<html><body>502 Bad Gateway</body></html>", r"is not JSON \(text/html\)"),
    "truncated_json": (b'{"data": {"hits": [', "is not JSON"),
    "no_data": (b'{"warnings": {}}', "has no 'data' with a 'hits' list"),
    "list": (b"[]", "is not a JSON object"),
    "hits_not_list": (b'{"data": {"hits": {}}}', "has no 'data' with a 'hits' list"),
    "no_pagination": (_answer([], None), "no valid data.pagination.total"),
    "negative_total": (_answer([], -1), "no valid data.pagination.total"),
}


@pytest.mark.parametrize("body,message", list(BAD_ANSWERS.values()), ids=list(BAD_ANSWERS))
def test_answer_that_is_not_the_api_json_names_the_url(gdc, site, body, message):
    cache, _, guard = site
    gdc.files_answer = body
    with pytest.raises(GdcError, match=rf"GDC answer of {gdc.base_url}/files .*{message}"):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, **FAST)
    assert guard.check() == set()


HIT_FAULTS = {
    "no_md5": ({"md5sum": None}, r"md5sum None is not 32 hex digits"),
    "md5_not_hex": ({"md5sum": "z" * 32}, "is not 32 hex digits"),
    "negative_size": ({"file_size": -5}, r"file_size -5 is not a size"),
    "size_as_text": ({"file_size": "12"}, r"file_size '12' is not a size"),
    "cases_not_list": ({"cases": "TCGA"}, "malformed hit"),
}


@pytest.mark.parametrize("change,message", list(HIT_FAULTS.values()), ids=list(HIT_FAULTS))
def test_malformed_hit_names_the_url(gdc, site, change, message):
    cache, _, guard = site
    hit = {**GOOD[0].hit(), **change}
    gdc.files_answer = _answer([hit], 1)
    with pytest.raises(GdcError, match=rf"GDC answer of {gdc.base_url}/files: .*{message}"):
        query_files("TEST", base_url=gdc.base_url)
    assert guard.check() == set()


# ---------------------------------------------------------------- rate limits and deadlines


def test_query_waits_as_long_as_retry_after_asks(gdc):
    gdc.rate_limit["/files"] = ["1"]
    started = time.monotonic()
    files = query_files("TEST", base_url=gdc.base_url, backoff=0.001)
    assert 1.0 <= time.monotonic() - started < 5.0
    assert len(files) == 3 and len(gdc.bodies) == 2


def test_download_waits_as_long_as_retry_after_asks(gdc, tmp_path):
    files = query_files("TEST", base_url=gdc.base_url)
    gdc.rate_limit["/data/f-t1"] = ["1"]
    started = time.monotonic()
    paths = download_files(files, tmp_path, base_url=gdc.base_url, **FAST)
    assert 1.0 <= time.monotonic() - started < 5.0
    assert paths["f-t1"].read_bytes() == GOOD[1].content
    assert len(gdc.gets("f-t1")) == 2


def test_retry_after_is_bounded_by_max_retry_wait(gdc, tmp_path):
    gdc.rate_limit["/files"] = ["3600"]
    gdc.rate_limit["/data/f-n1"] = ["86400"]
    started = time.monotonic()
    cohort = fetch_cohort("TEST", tmp_path, base_url=gdc.base_url, max_retry_wait=0.2, **FAST)
    assert time.monotonic() - started < 4.0
    assert list(cohort.counts.columns) == COLUMNS


def test_retry_after_as_an_http_date_or_garbage():
    class Answer:
        def __init__(self, value: str) -> None:
            self.headers = {"Retry-After": value}

    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < retry_delay(1, 0.1, Answer(later), 60) <= 30
    assert retry_delay(1, 0.1, Answer(later), 2) == 2
    assert retry_delay(2, 0.1, Answer("soon"), 60) == pytest.approx(0.2)
    assert retry_delay(3, 0.1, None, 60) == pytest.approx(0.4)


def test_endless_rate_limit_fails_naming_the_url(gdc, site):
    cache, _, guard = site
    gdc.rate_limit["/files"] = ["0"] * 10
    with pytest.raises(
        GdcError, match=rf"{gdc.base_url}/files failed after 3 attempt\(s\): HTTP 429"
    ):
        fetch_cohort("TEST", cache, base_url=gdc.base_url, retries=2, **FAST)
    assert guard.check() == set()


def test_trickling_server_meets_the_per_file_deadline(gdc, site):
    cache, _, guard = site
    gdc.trickle["f-t2"] = 0.05  # 20 bytes a second, each one resetting the socket timeout
    started = time.monotonic()
    settings = {"project": "TEST", "cache_dir": cache, "base_url": gdc.base_url, "deadline": 1.0}
    with pytest.raises(GdcError, match=r"f-t2 .* not downloaded within deadline=1.0 s") as error:
        load_cohort("gdc", settings | FAST)
    assert time.monotonic() - started < 4.0
    assert f"{gdc.base_url}/data/f-t2" in str(error.value)
    part = cache / "f-t2" / f"{GOOD[2].file_name}.part"
    assert 0 < part.stat().st_size < len(GOOD[2].content)  # kept for a rerun to resume
    assert not (cache / "f-t2" / GOOD[2].file_name).exists()
    assert (cache / "f-t1" / GOOD[1].file_name).read_bytes() == GOOD[1].content
    assert guard.check() <= {part, *(cache / f.file_id / f.file_name for f in GOOD[:2])}


def test_body_longer_than_the_listed_size_is_cut_and_refused(gdc, site):
    cache, _, guard = site
    files = query_files("TEST", base_url=gdc.base_url)
    gdc.oversize["f-t1"] = 1 << 20
    with pytest.raises(GdcError, match=r"f-t1 .*more than the \d+ bytes listed"):
        download_files(files, cache, base_url=gdc.base_url, retries=1, **FAST)
    assert not list((cache / "f-t1").iterdir())
    new = guard.check()
    assert new == {cache / f.file_id / f.file_name for f in (GOOD[0], GOOD[2])}
