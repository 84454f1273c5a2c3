"""``PaperTableDataset``: the paper's table, or no rows where it is absent."""

from __future__ import annotations

from degnext.datasets import PaperTableDataset


def test_a_table_loads_as_written(tmp_path):
    path = tmp_path / "table2.csv"
    path.write_text("dataset,accuracy,mcc\nBRCA,90.1,0.8\n")
    table = PaperTableDataset(filepath=str(path)).load()
    assert table.to_dict("records") == [{"dataset": "BRCA", "accuracy": 90.1, "mcc": 0.8}]


def test_an_absent_table_has_no_rows(tmp_path):
    for dataset in (PaperTableDataset(filepath=str(tmp_path / "absent.csv")), PaperTableDataset()):
        table = dataset.load()
        assert table.empty and list(table.columns) == ["dataset", "accuracy"]
