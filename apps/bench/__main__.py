"""`uv run apps/bench`: placeholder until its issue lands (see README.md)."""

import click


@click.command()
def main() -> None:
    """Not implemented yet."""
    raise click.ClickException("apps/bench is not implemented yet")


if __name__ == "__main__":
    main()
