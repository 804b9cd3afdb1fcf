"""The one exception a probe parser raises: whatever a node prints, it never crashes us."""


class ProbeError(Exception):
    """The node printed something that is not a well-formed probe frame."""
