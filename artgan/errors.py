"""The one exception type a user sees as a clean one-line message instead of a traceback."""


class ArtganError(Exception):
    """A problem the user can act on: say what was wrong, with what value, and what to do.

    The CLI prints ``artgan: error: <message>`` and exits with status 2; anything else is a bug
    and keeps its traceback.
    """
