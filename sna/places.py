"""Impact areas and routes (placeholder until the places step lands)."""

from sna.context import BuildContext


def build_places(ctx: BuildContext) -> None:
    """Nothing yet."""
