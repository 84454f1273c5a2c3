"""The report page: what each number is, every table beside the paper's, the saved figures.

Every table and figure comes in as the run saved it (CSV tables, PNG bytes), so the page shows the
files on disk; this module only adds the words around them.
"""

from __future__ import annotations

import pandas as pd

from degnext.evaluation import report
from degnext.hooks.run_info import weights_digest
from degnext.nn.model import DEGnext
from degnext.pipelines.reporting.nodes import RELEASE, WHOLE, uses_synthetic_sets

# The run's files beside report.html (catalog.yml, reporting section), linked from the page.
FILES = {
    "predicted": "predicted_genes.csv",
    "general": "table_general_learning_T3.csv",
    "general_fold_mean": "table_general_learning_T3_fold_mean.csv",
    "general_comparison": "table_general_learning_T3_vs_paper.csv",
    "transfer": "table_transfer_learning_Q.csv",
    "transfer_comparison": "table_transfer_learning_Q_vs_paper.csv",
    "baselines": "table_baselines_T3.csv",
    "transfer_baselines": "table_baselines_Q.csv",
    "robustness": "table_robustness.csv",
    "enrichment": "enrichment.csv",
}
SOURCE_KINDS = {
    "synthetic": "synthetic: generated TCGA-like counts, not patient data",
    "release": "real: the DEGnext authors' released TCGA splits",
    "gdc": "real: TCGA counts from the GDC API",
    "gdc_folder": "real: a GDC download folder",
    "matrix": "real: a user-supplied counts matrix",
}
GLOSSARY = [
    (
        "P",
        "A cohort's genes without disease-knowledge support: neutral genes and the other "
        "significant DE genes (SDEGs); labels UR, DR or neutral.",
    ),
    (
        "Q",
        "SDEGs that a disease-knowledge source links to the cancer; labels UR or DR. Transfer "
        "learning predicts all of Q of each untrained cohort.",
    ),
    (
        "T1",
        "80 % of P: the 3-class (UR/DR/neutral) first-level training set, split into k folds "
        "for cross-validation.",
    ),
    (
        "T2",
        "The other 20 % of P: a held-out 3-class test set. On the release, T2 stands in for T1 "
        "where T1 was not released (and there is then no held-out T2).",
    ),
    ("F1", "80 % of Q: the binary (UR vs DR) fine-tuning set."),
    ("T3", "The other 20 % of Q: the bio-test set of general learning (the paper's Table 2)."),
    ("UR / DR", "Up- / down-regulated in tumor vs normal samples (label 1 / 0)."),
]
ROLE_SENTENCES = {
    WHOLE: "whole set: a gene is UR when P(UR) >= 0.5, each score computed once over all genes",
    RELEASE: "release code: a gene is UR when its logit is >= 0.5 (P(UR) >= 0.62), each score "
    "computed per batch of genes and averaged over batches, as the authors' code printed the "
    "paper's tables",
}
SIGN_RULE = (
    "logfc_sign is a rule, not a trained model: it calls a gene UR when its mean expression in "
    "tumor samples is above that in normal samples, the sign of the DEA log fold change from which "
    "the labels themselves come; it is the bar a learned model has to clear."
)
ENRICHMENT_COLUMNS = ["dataset", "experiment", "term", "term_name", "size", "overlap", "p_value",
                      "q_value"]  # fmt: skip


def html_report(  # noqa: PLR0913 - one input per saved table and figure
    general: pd.DataFrame,
    general_fold_mean: pd.DataFrame,
    general_comparison: pd.DataFrame,
    transfer_comparison: pd.DataFrame,
    baseline: pd.DataFrame,
    transfer_baseline: pd.DataFrame,
    robustness: pd.DataFrame,
    enriched: pd.DataFrame,
    predicted: pd.DataFrame,
    roc_general: bytes,
    roc_transfer: bytes,
    robustness_png: bytes,
    run_info: dict,
    transfer_model: DEGnext,
    gdc_provenance: pd.DataFrame,
    reporting: dict,
    parameters: dict,
) -> str:
    """One self-contained HTML page: header, glossary, every table beside the paper's, figures.

    Sections of experiments the run left out (``experiments.general_learning: false``) say so
    instead of showing empty tables.
    """
    cohorts = parameters["cohorts"]
    paper_note = _paper_note(cohorts, reporting, general_comparison, transfer_comparison)
    if general.empty:
        general_sections = [
            report.Section(
                "General learning (T3)",
                paragraphs=["Not run: experiments.general_learning is false for this run."],
            )
        ]
    else:
        general_sections = [
            _general_section(
                general, general_fold_mean, general_comparison, roc_general, parameters, paper_note
            ),
            _baselines_section(
                "T3",
                "Classical models trained on the CNN's rows (T1 UR/DR + F1), tested on T3",
                "DEGnext (best fold's model) and baselines on T3",
                baseline,
                FILES["baselines"],
            ),
            _robustness_section(robustness, robustness_png),
        ]
    sections = [
        report.Section(
            "Glossary",
            paragraphs=["The gene sets every table refers to (the paper's names)."],
            definitions=GLOSSARY,
        ),
        *general_sections,
        _transfer_section(transfer_comparison, roc_transfer, paper_note),
        _baselines_section(
            "Q",
            "Classical models trained on the train cohorts' T1 UR/DR rows and F1, each gene "
            "described by quantiles of its normal and tumor values; tested on Q like DEGnext",
            "DEGnext and baselines on Q",
            transfer_baseline,
            FILES["transfer_baselines"],
        ),
        _enrichment_section(enriched, reporting),
        *report.gdc_provenance_sections(gdc_provenance),
        report.Section(
            "Predicted genes",
            paragraphs=[f"{len(predicted)} predictions, each with its logit, P(UR) and call."],
            tables=[
                (
                    "Counts of calls",
                    predicted.groupby(["experiment", "dataset", "call"])
                    .size()
                    .unstack(fill_value=0)
                    .reset_index(),
                )
            ],
            links=[(FILES["predicted"], FILES["predicted"])],
        ),
        report.run_section(run_parameters(parameters)),
    ]
    about = _about(run_info, cohorts, transfer_model)
    return report.build_html_report(reporting["title"], sections, about=about)


def run_parameters(parameters: dict) -> dict:
    """The parameters that shaped this run: ingestion settings of sources no cohort uses, and
    synthetic profiles of TCGA cohorts no synthetic cohort imitates, are left out."""
    cohorts = parameters.get("cohorts") or {}
    sources = {c.get("source") for c in cohorts.values()}
    likes = {(c.get("synthetic") or {}).get("like") for c in cohorts.values()}
    ingestion = dict(parameters.get("ingestion") or {})
    if "sources" in ingestion:
        ingestion["sources"] = {k: v for k, v in ingestion["sources"].items() if k in sources}
    if "synthetic" in ingestion and "synthetic" not in sources:
        del ingestion["synthetic"]
    elif "profiles" in (ingestion.get("synthetic") or {}):
        profiles = ingestion["synthetic"]["profiles"]
        ingestion["synthetic"] = {
            **ingestion["synthetic"],
            "profiles": {k: v for k, v in profiles.items() if k in likes},
        }
    return {**parameters, "ingestion": ingestion} if "ingestion" in parameters else parameters


def _about(run_info: dict, cohorts: dict, transfer_model: DEGnext) -> dict[str, str]:
    by_source: dict[str, list[str]] = {}
    for name, cohort in cohorts.items():
        by_source.setdefault(cohort.get("source", "unknown"), []).append(name)
    data = "; ".join(
        f"{SOURCE_KINDS.get(source, source)} ({', '.join(names)})"
        for source, names in sorted(by_source.items())
    )
    return {
        "Data": data,
        "Kedro environment": run_info.get("environment", "unknown"),
        "Date": run_info.get("date", "unknown"),
        "Code commit": run_info.get("commit", "unknown"),
        "Transfer weights": run_info.get("weights", "unknown"),
        "Transfer model digest": f"sha256 {weights_digest(transfer_model)} (the weights of "
        "transfer.model, which made the transfer predictions)",
    }


def _paper_note(cohorts: dict, reporting: dict, *comparisons: pd.DataFrame) -> str:
    if not any(c["model"].str.startswith("paper").any() for c in comparisons if not c.empty):
        return (
            f"The paper's tables were not found in {reporting['paper_tables']} (parameter "
            "reporting.paper_tables), so no paper row is shown."
        )
    if any(c.get("source") == "synthetic" for c in cohorts.values()):
        return (
            "These cohorts are synthetic: each paper row is that of the real TCGA cohort the "
            "synthetic one imitates (synthetic.like), for orientation only, not a comparison."
        )
    return "Paper rows are the paper's values as printed (2 decimals)."


def _general_section(
    general: pd.DataFrame,
    fold_mean: pd.DataFrame,
    comparison: pd.DataFrame,
    roc_png: bytes,
    parameters: dict,
    paper_note: str,
) -> report.Section:
    options = parameters["cnn_general"]["metrics"]
    n_folds = ", ".join(sorted({str(n) for n in fold_mean["n_folds"]}))
    return report.Section(
        "General learning (T3)",
        paragraphs=[
            "Per cohort: k-fold CV on T1, binary fine-tune on F1, test on T3. The paper's Table 2 "
            f"is the mean over the fine-tuned fold models ({n_folds} folds here).",
            f"Table 2 comparison: the fold mean computed two ways, {ROLE_SENTENCES[WHOLE]}; and "
            f"{ROLE_SENTENCES[RELEASE]} (batches of {options['batch_size']} T3 genes). ROC AUC "
            f"ranks genes by their float64 logit. {paper_note}",
            f"The fold-mean table and the best fold's table use the configured rule "
            f"(cnn_general.metrics: decision {options['decision']}, aggregate "
            f"{options['aggregate']}); the best fold's model (highest validation accuracy) gives "
            "the predicted genes and the ROC figure.",
            *_fold_remarks(fold_mean),
            *_one_class_remarks(general.assign(model="DEGnext (best fold)"), "T3"),
        ],
        tables=[
            ("Mean over CV folds on T3, both ways, beside Table 2 (%)", comparison),
            ("Mean over CV folds on T3, as Table 2 (%), with the spread of folds", fold_mean),
            ("Best fold's model on T3 (accuracy, recall, precision in %)", general),
        ],
        figures=[
            (
                "ROC curves of each cohort's best fold's model on T3, genes ranked by their "
                "float64 logit; right: the top-left corner magnified. Curves with equal AUC "
                "(e.g. 1.000) coincide; line style and marker tell them apart.",
                roc_png,
            )
        ],
        links=[
            (FILES[k], FILES[k]) for k in ("general_comparison", "general_fold_mean", "general")
        ],
    )


def _transfer_section(comparison: pd.DataFrame, roc_png: bytes, paper_note: str) -> report.Section:
    models = set(comparison["model"])
    if "DEGnext, trained here" in models and "DEGnext, published weights" in models:
        which = (
            "The transfer model trained in this run and, beside it, the authors' published "
            "transfer model, each"
        )
    elif "DEGnext, published weights" in models:
        which = "The authors' published transfer model,"
    else:
        which = "One model trained on the train cohorts,"
    return report.Section(
        "Transfer learning (Q of untrained cohorts)",
        paragraphs=[
            f"{which} applied without retraining to all of Q of each untrained cohort.",
            f"Each model's metrics are computed two ways from the same predictions: "
            f"{ROLE_SENTENCES[WHOLE]}; and {ROLE_SENTENCES[RELEASE]}. The logfc_sign row uses the "
            f"whole set. ROC AUC ranks genes by their float64 logit. {paper_note}",
            *_one_class_remarks(comparison[comparison["metrics"] == WHOLE], "Q"),
        ],
        tables=[
            (
                "Metrics on Q, both ways, beside Table 3 (accuracy, recall, precision in %)",
                comparison,
            )
        ],
        figures=[
            (
                "ROC curves of the transfer model on each untrained cohort's Q, genes ranked by "
                "their float64 logit; right: the top-left corner magnified. Curves with equal AUC "
                "coincide; line style and marker tell them apart.",
                roc_png,
            )
        ],
        links=[(FILES[k], FILES[k]) for k in ("transfer_comparison", "transfer")],
    )


def _baselines_section(
    test_set: str, intro: str, caption: str, table: pd.DataFrame, file: str
) -> report.Section:
    return report.Section(
        "Baselines (T3)" if test_set == "T3" else "Transfer baselines (Q)",
        paragraphs=[
            f"{intro}; metrics {ROLE_SENTENCES[WHOLE]}.",
            f"{SIGN_RULE} On {test_set} it {_sign_record(table)}.",
            *_one_class_remarks(table, test_set),
        ],
        tables=[(caption, table)],
        links=[(file, file)],
    )


def _sign_record(table: pd.DataFrame) -> str:
    """'beats DEGnext on k of n cohorts' (accuracy), from a DEGnext + baselines table."""
    rows = table.pivot_table(index="dataset", columns="model", values="accuracy")
    if not {"logfc_sign", "DEGnext"} <= set(rows.columns):
        return "was not run"
    beats = int((rows["logfc_sign"] > rows["DEGnext"]).sum())
    return f"beats DEGnext (accuracy) on {beats} of {len(rows)} cohort(s)"


def _one_class_remarks(table: pd.DataFrame, test_set: str) -> list[str]:
    """A sentence for each model that calls one class for every test gene."""
    if "n_called_UR" not in table or "n_genes" not in table:
        return []
    remarks = []
    for row in table.itertuples(index=False):
        called, total = row.n_called_UR, row.n_genes
        if pd.isna(called) or pd.isna(total) or called not in (0, total):
            continue
        side = "UR" if called == total else "DR"
        remarks.append(
            f"Remark: on {row.dataset}, {row.model} calls every {test_set} gene {side}; its "
            f"accuracy is the share of {side} genes and its MCC is 0."
        )
    return remarks


def _fold_remarks(fold_mean: pd.DataFrame) -> list[str]:
    if "n_folds_one_class" not in fold_mean:
        return []
    return [
        f"Remark: on {row.dataset}, {row.n_folds_one_class:.0f} of {row.n_folds} fold models "
        "call one class for every T3 gene."
        for row in fold_mean.itertuples(index=False)
        if row.n_folds_one_class > 0
    ]


def _robustness_section(robustness: pd.DataFrame, figure_png: bytes) -> report.Section:
    level_table = robustness.pivot_table(
        index=["dataset", "model"], columns="noise_level", values="mean_accuracy"
    )
    level_table.columns = [f"{c}%" for c in level_table.columns]
    return report.Section(
        "Robustness to Gaussian noise",
        paragraphs=[
            "Noise sd = level % of each gene's standard deviation, added to T3; accuracy with "
            "P(UR) >= 0.5 over all T3 genes, mean over seeds."
        ],
        tables=[("Mean accuracy (%) by noise level", level_table.reset_index())],
        figures=[
            (
                "Accuracy on noisy T3 against the noise level (symmetric log axis), mean over "
                "cohorts and seeds, error bars one standard deviation.",
                figure_png,
            )
        ],
        links=[(FILES["robustness"], FILES["robustness"])],
    )


def _enrichment_section(enriched: pd.DataFrame, reporting: dict) -> report.Section:
    options = reporting["enrichment"]
    cutoff = options["q_cutoff"]
    significant = enriched[enriched["q_value"] < cutoff] if "q_value" in enriched else enriched
    shown = significant.sort_values("q_value", kind="stable").head(options["max_rows"])
    paragraphs = [
        "Over-representation of each cohort's predicted UR and DR genes against its tested genes "
        f"(hypergeometric test, Benjamini-Hochberg q). Shown: terms with q < {cutoff:g}; "
        f"{len(enriched) - len(significant)} of {len(enriched)} tested terms have q >= "
        f"{cutoff:g} and are only in {FILES['enrichment']}."
    ]
    if uses_synthetic_sets(reporting):
        paragraphs.append(
            "The gene sets are the built-in synthetic ones (random sets, no biology), because no "
            "library is configured: set reporting.enrichment.gmt or go_obo + go_gaf (README)."
        )
    if len(significant) > len(shown):
        paragraphs.append(f"The {len(shown)} lowest q values of {len(significant)} are shown.")
    columns = [c for c in ENRICHMENT_COLUMNS if c in shown]
    return report.Section(
        "Enrichment of predicted UR/DR genes",
        paragraphs=paragraphs,
        tables=[(f"Terms with q < {cutoff:g}", shown[columns])] if len(shown) else [],
        links=[(FILES["enrichment"], FILES["enrichment"])],
    )
