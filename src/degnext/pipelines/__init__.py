"""DEGnext pipelines; ``per_cohort`` turns a one-cohort template into a namespaced copy."""

from functools import partial

from kedro.pipeline import Pipeline, pipeline


def per_cohort(template: Pipeline, name: str, sections: tuple[str, ...]) -> Pipeline:
    """Namespace ``template`` as cohort ``name``.

    Inside the template, ``params:cohort`` is that cohort's entry under ``cohorts`` and each of
    ``sections`` (e.g. ``labeling``) is the shared default block, so nodes can merge the two.
    """
    parameters = {"cohort": f"cohorts.{name}", **{section: section for section in sections}}
    return pipeline(template, namespace=name, parameters=parameters)


def named(func, name: str):
    """``func`` with the cohort name bound, so error messages can name the cohort."""
    bound = partial(func, name=name)
    bound.__name__ = func.__name__
    return bound


def bind_names(func, *name_lists: list[str]):
    """``func`` with the cohort name lists bound first, for nodes that take one input per cohort."""
    bound = partial(func, *name_lists)
    bound.__name__ = func.__name__
    return bound
