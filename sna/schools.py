"""Schools (placeholder until the schools step lands)."""

from sna.context import BuildContext


def build_schools(ctx: BuildContext) -> None:
    """Nothing yet."""
