"""Command-line interface: ``harvester <command>`` (also ``python -m harvester``).

Exit codes: 0 ok; 1 the job finished with record errors (or deletions held for confirmation);
2 usage or configuration error; 3 a source or target was unavailable.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from harvester.cli import commands_harvest, commands_info, commands_serve
from harvester.cli.context import CliState
from harvester.errors import ConfigError, HarvesterError

logger = logging.getLogger(__name__)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="HARVESTER_CONFIG", default="config/harvester.yaml",
              show_default=True, type=click.Path(dir_okay=False),
              help="daemon configuration file (default: $HARVESTER_CONFIG or ./config/harvester.yaml)")
@click.option("-v", "--verbose", count=True, help="more log output (-vv for debug)")
@click.version_option(package_name="satudata-harvester")
@click.pass_context
def cli(ctx: click.Context, config_path: str, verbose: int) -> None:
    """satudata-harvester: harvest city catalogues, map them to Satu Data / DCAT-AP 3, push to CKAN."""
    ctx.obj = CliState(config_path=config_path, verbosity=verbose)


for module in (commands_harvest, commands_info, commands_serve):
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point; maps our exceptions to the documented exit codes."""
    try:
        cli.main(args=argv, prog_name="harvester", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except ConfigError as exc:
        click.echo(f"configuration error: {exc}", err=True)
        sys.exit(2)
    except HarvesterError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    sys.exit(0)


if os.environ.get("HARVESTER_CLI_DEBUG"):  # pragma: no cover - developer switch
    logging.basicConfig(level=logging.DEBUG)
