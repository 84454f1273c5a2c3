"""One schema for every parameter section, checked before any node runs (``degnext.hooks.cohort_registry``).

Each section is a pydantic model that forbids unknown keys, so a typo (``fdr_cuttoff``) fails
with a "did you mean" hint naming the full key path, and ranges (epochs >= 1, 0 < fdr <= 1, ...)
fail before training. A cohort's overrides (``cohorts.<C>.<section>``) are checked merged into
the section's defaults, as nodes will see them. To add a parameter, add one field to its model
(with a default when older configurations lack it). Checks that need data (folds against class
sizes, ``cor_cut`` against samples per group) run at the start of the node that has the data.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from degnext.cohorts import COHORT_SECTIONS, node_parameters
from degnext.errors import DEGnextInputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class Stage(_Strict):
    epochs: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0)
    betas: tuple[float, float]
    eps: float = Field(gt=0)
    weight_decay: float = Field(ge=0)
    sampling: Literal["uniform", "balanced"] = "uniform"


class Metrics(_Strict):
    decision: Literal["probability", "logit"]
    aggregate: Literal["whole", "batch_mean"]
    batch_size: int = Field(ge=1)


class Training(_Strict):
    seed: int
    device: str
    first_level: Stage
    fine_tune: Stage
    input_noise_std: float = Field(ge=0)
    amp_dtype: Literal["bfloat16"] | None = None
    metrics: Metrics


class Labeling(_Strict):
    cor_cut: float = Field(ge=-1, le=1)
    normalization: Literal["geneLength", "gcContent"]
    qnt_cut: float = Field(ge=0, lt=1)
    dea_method: Literal["exact_test", "deseq2"]
    fdr_cutoff: float = Field(gt=0, le=1)
    seed: int
    map_to_hgnc: bool = True


class Splitting(_Strict):
    test_fraction: float = Field(gt=0, lt=1)
    n_folds: int = Field(ge=2)
    seed: int


class BaselineTransfer(_Strict):
    n_quantiles: int = Field(ge=2)


class Baselines(_Strict):
    seed: int
    n_jobs: int
    models: dict[str, dict[str, Any] | None]
    transfer: BaselineTransfer


class Robustness(_Strict):
    noise_levels: list[float] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)


class Predict(_Strict):
    device: str
    threshold: float = Field(gt=0, lt=1)
    decision: Literal["probability", "logit"]


class SyntheticSets(_Strict):
    n_sets: int = Field(ge=1)
    seed: int


class Enrichment(_Strict):
    gmt: list[str]
    go_obo: str | None
    go_gaf: str | None
    synthetic_sets: SyntheticSets
    min_size: int = Field(ge=1)
    max_size: int = Field(ge=1)
    q_cutoff: float = Field(default=0.05, gt=0, le=1)
    max_rows: int = Field(ge=1)


class Reporting(_Strict):
    title: str
    paper_tables: str | None = None
    enrichment: Enrichment


class Synthetic(_Strict):
    n_genes: int = Field(ge=10)
    n_samples: int = Field(ge=4)
    min_normal: int = Field(ge=2)
    outlier_probability: float = Field(ge=0, lt=1)
    seed: int
    calibration: dict[str, float]
    profiles: dict[str, dict[Literal["normal", "tumor"], int]]


class Ingestion(_Strict):
    # Each source's own keys are checked by its loader when ingestion starts.
    sources: dict[str, dict[str, Any]]
    synthetic: Synthetic


class Experiments(_Strict):
    general_learning: bool = True
    transfer_model: Literal["trained", "published"] = "trained"
    compare_published: bool = False


class CohortSynthetic(_Strict):
    like: str | None = None
    n_samples: int | None = Field(default=None, ge=4)
    n_genes: int | None = Field(default=None, ge=10)
    outlier_probability: float | None = Field(default=None, ge=0, lt=1)
    seed: int | None = None


class Cohort(BaseModel):
    """A cohort's own settings; its source block and section overrides are checked apart."""

    model_config = ConfigDict(extra="allow")
    role: Literal["train", "untrained"]
    source: str
    general: bool = True
    disease_genes: str | None = None
    synthetic: CohortSynthetic | None = None


SECTIONS: dict[str, type[BaseModel]] = {
    "experiments": Experiments,
    "ingestion": Ingestion,
    "labeling": Labeling,
    "splitting": Splitting,
    "cnn_general": Training,
    "cnn_transfer": Training,
    "baselines": Baselines,
    "robustness": Robustness,
    "predict": Predict,
    "reporting": Reporting,
}
# Top-level parameters that are not sections: the cohorts, and runtime-only values
# (`--params data_root=...`, `--params published_weights=...`) that the catalog reads.
OTHER_KEYS = ("cohorts", "data_root", "published_weights", "paper_tables")


def validate_parameters(parameters: dict[str, Any]) -> None:
    """Raise one ``DEGnextInputError`` listing every parameter the run cannot use."""
    problems = [
        f"parameter '{key}' is unknown{_hint(key, [*SECTIONS, *OTHER_KEYS], '')}"
        for key in parameters
        if key not in SECTIONS and key not in OTHER_KEYS
    ]
    for section, model in SECTIONS.items():
        if section in parameters:
            problems += _check(model, parameters[section] or {}, section)
    problems += _check_cohorts(parameters)
    if problems:
        raise DEGnextInputError("\n".join(problems))


def _check_cohorts(parameters: dict[str, Any]) -> list[str]:
    cohorts = parameters.get("cohorts")
    if not isinstance(cohorts, dict) or not cohorts:
        return ["parameter 'cohorts' must map at least one cohort name to settings"]
    configured = [name for name, s in cohorts.items() if isinstance(s, dict) and "role" in s]
    problems = []
    for name, settings in cohorts.items():
        path = f"cohorts.{name}"
        if not isinstance(settings, dict) or not {"role", "source"} & set(settings):
            problems.append(
                f"parameter '{path}' overrides cohort {name!r}, which is not configured "
                f"(configured: {', '.join(configured)}){_hint(name, configured, 'cohorts.')}"
            )
            continue
        problems += _check(Cohort, settings, path)
        sources = set((parameters.get("ingestion") or {}).get("sources") or {}) | {"synthetic"}
        allowed = {*Cohort.model_fields, *COHORT_SECTIONS, *sources}
        for key in set(settings) - allowed:
            problems.append(
                f"parameter '{path}.{key}' is unknown{_hint(key, sorted(allowed), path + '.')}"
            )
    if problems:
        return problems
    merged = node_parameters(parameters)
    for name, settings in cohorts.items():
        for section in COHORT_SECTIONS:
            if section in settings and section in SECTIONS:
                problems += _check(SECTIONS[section], merged[f"{name}.{section}"], section, name)
    return problems


def _check(model: type[BaseModel], value: Any, path: str, cohort: str | None = None) -> list[str]:
    """One line per problem of ``value`` against ``model``, each naming the full key path."""
    try:
        model.model_validate(value)
    except ValidationError as error:
        prefix = f"cohorts.{cohort}." if cohort else ""
        return [_describe(model, item, f"{prefix}{path}") for item in error.errors()]
    return []


def _describe(model: type[BaseModel], item: dict, path: str) -> str:
    location = [str(part) for part in item["loc"]]
    key = ".".join([path, *location])
    if item["type"] == "extra_forbidden":
        fields = _fields_at(model, location[:-1])
        return f"parameter '{key}' is unknown{_hint(location[-1], fields, key.rsplit('.', 1)[0] + '.')}"
    if item["type"] == "missing":
        return f"parameter '{key}' is missing"
    return f"parameter '{key}' is {item.get('input')!r}: {item['msg']}"


def _fields_at(model: Any, location: list[str]) -> list[str]:
    """The keys that ``model`` accepts at ``location`` (nested models followed by name)."""
    for part in location:
        field = getattr(model, "model_fields", {}).get(part)
        annotation = getattr(field, "annotation", None)
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if model is None:
            return []
    return list(model.model_fields)


def _hint(key: str, known: list[str], prefix: str) -> str:
    match = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return f"; did you mean '{prefix}{match[0]}'?" if match else f"; known: {', '.join(known)}"
