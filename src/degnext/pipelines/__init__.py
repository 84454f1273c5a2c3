"""DEGnext pipelines; ``per_cohort`` turns a one-cohort template into a namespaced copy."""

from kedro.pipeline import Pipeline, pipeline

# Inputs that every cohort shares, never namespaced: the packaged annotation tables.
SHARED_INPUTS = frozenset({"gencode_genes", "gene_length_gc"})


def per_cohort(template: Pipeline, name: str) -> Pipeline:
    """Namespace ``template`` as cohort ``name``.

    Inside the template, ``params:<section>`` (e.g. ``params:labeling``) becomes
    ``params:<name>.<section>``: the section's defaults merged with the cohort's overrides, built
    once per run by ``degnext.cohorts.node_parameters`` (see ``degnext.hooks.cohort_registry``). ``params:cohort``
    is the cohort's own entry under ``cohorts`` and ``params:cohort_name`` its name. The
    ``SHARED_INPUTS`` keep their names.
    """
    return pipeline(template, namespace=name, inputs=set(SHARED_INPUTS & template.inputs()))
