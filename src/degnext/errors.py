"""One error type for bad user input, so the CLI can show a single clear message."""


class DEGnextInputError(ValueError):
    """Input data or parameters that the pipeline cannot use; the message names the culprit."""
