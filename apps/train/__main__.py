"""`uv run apps/train`: placeholder until its issue lands (see README.md)."""

import click


@click.command()
def main() -> None:
    """Not implemented yet."""
    raise click.ClickException("apps/train is not implemented yet")


if __name__ == "__main__":
    main()
