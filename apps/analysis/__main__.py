"""`uv run apps/analysis`: placeholder until its issue lands (see README.md)."""

import click


@click.command()
def main() -> None:
    """Not implemented yet."""
    raise click.ClickException("apps/analysis is not implemented yet")


if __name__ == "__main__":
    main()
