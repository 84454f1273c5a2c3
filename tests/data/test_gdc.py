"""GDC client against a loopback server that speaks the GDC files/data API (no internet)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from degnext.data.gdc import (
    MANIFEST_COLUMNS,
    GdcError,
    data_release,
    download_files,
    fetch_cohort,
    files_filter,
    query_files,
)
from degnext.data.sources import load_cohort
from degnext.errors import DEGnextInputError
from tests.fake_gdc import COHORT, FAST, FakeGdc


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
        assert (
            hashlib.md5((tmp_path / row.file_id / row.file_name).read_bytes()).hexdigest()
            == row.md5sum
        )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["not", "a", "dict"], "not a JSON object"),
        ({"status": "OK"}, "without a data_release"),
        ({"data_release": 41}, "without a data_release"),
    ],
)
def test_status_without_a_data_release_is_an_error(gdc: FakeGdc, answer, message) -> None:
    gdc.status = answer
    with pytest.raises(GdcError, match=message):
        data_release(base_url=gdc.base_url, backoff=0.001)


def test_status_fields_of_odd_types_are_dropped(gdc: FakeGdc) -> None:
    gdc.status = {"data_release": "R" * 1000, "version": True, "tag": {"x": 1}, "commit": 7}
    record = data_release(base_url=gdc.base_url, backoff=0.001)
    assert record == {"api": gdc.base_url, "data_release": "R" * 200, "version": None, "tag": None, "commit": 7}  # fmt: skip
