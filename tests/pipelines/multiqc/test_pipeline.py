"""MultiQC custom content in memory: the report's headline tables and figures, unchanged."""

import pandas as pd
from matplotlib.figure import Figure

from degnext.pipelines import multiqc
from tests.pipelines.in_memory import run_in_memory


def test_tables_are_the_reports_and_figures_are_drawn(reporting_run, parameters):
    outputs = run_in_memory(multiqc.create_pipeline(), parameters, reporting_run)
    pd.testing.assert_frame_equal(
        outputs["multiqc.general_table"], reporting_run["reporting.general_fold_mean_table"]
    )
    pd.testing.assert_frame_equal(
        outputs["multiqc.transfer_table"], reporting_run["reporting.transfer_table"]
    )
    for figure in ("roc_general_figure", "roc_transfer_figure", "robustness_figure"):
        assert isinstance(outputs[f"multiqc.{figure}"], Figure)
        assert outputs[f"multiqc.{figure}"].axes
