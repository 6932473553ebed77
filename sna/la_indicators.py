"""Local authority indicators (placeholder until the LA step lands)."""

from sna.context import BuildContext


def build_la_indicators(ctx: BuildContext) -> None:
    """Nothing yet."""
