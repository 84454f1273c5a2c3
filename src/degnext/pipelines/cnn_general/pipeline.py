"""General learning: one namespaced copy per cohort."""

from kedro.pipeline import Pipeline, node

from degnext.pipelines import per_cohort
from degnext.pipelines.cnn_general import nodes


def create_pipeline(cohorts: list[str], **kwargs) -> Pipeline:
    return Pipeline([per_cohort(_template(), name) for name in cohorts])


def _template() -> Pipeline:
    params = ["params:cnn_general"]
    return Pipeline(
        [
            node(
                nodes.train_first_level,
                inputs=["expression", "splits", *params, "params:cohort_name"],
                outputs=["first_level_model", "cv_folds", "first_level_fold_models"],
                name="train_first_level",
                tags=["gpu"],
            ),
            node(
                nodes.evaluate_first_level,
                inputs=["first_level_model", "expression", "splits", *params],
                outputs="t2_metrics",
                name="evaluate_first_level",
                tags=["gpu"],
            ),
            node(
                nodes.fine_tune,
                inputs=["first_level_model", "expression", "splits", *params, "params:cohort_name"],
                outputs=["general_model", "fine_tune_history"],
                name="fine_tune",
                tags=["gpu"],
            ),
            node(
                nodes.evaluate_on_t3,
                inputs=["general_model", "expression", "splits", *params],
                outputs=["general_predictions", "general_metrics"],
                name="evaluate_on_t3",
                tags=["gpu"],
            ),
            node(
                nodes.fine_tune_folds,
                inputs=[
                    "first_level_fold_models",
                    "cv_folds",
                    "general_model",
                    "expression",
                    "splits",
                    *params,
                    "params:cohort_name",
                ],
                outputs="fine_tuned_fold_models",
                name="fine_tune_folds",
                tags=["gpu"],
            ),
            node(
                nodes.score_folds_on_t3,
                inputs=["fine_tuned_fold_models", "cv_folds", "expression", "splits", *params],
                outputs="t3_fold_metrics",
                name="score_folds_on_t3",
                tags=["gpu"],
            ),
        ]
    )
