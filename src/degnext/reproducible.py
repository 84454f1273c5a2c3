"""Dates in outputs follow the reproducible-builds convention, so two runs give the same bytes."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from degnext.errors import DEGnextInputError


def report_date(environ: Mapping[str, str] = os.environ) -> str:
    """The report's date (YYYY-MM-DD, UTC): ``SOURCE_DATE_EPOCH`` when set, else today.

    SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/) is a count of
    seconds since 1970-01-01 UTC; setting it makes a rerun's report byte-identical.
    """
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise DEGnextInputError(
            f"environment variable SOURCE_DATE_EPOCH must be whole seconds since 1970, got {epoch!r}"
        ) from error
    return moment.date().isoformat()
