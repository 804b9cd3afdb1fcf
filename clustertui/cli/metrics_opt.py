"""`--metrics HOST:PORT` for monitor, report, drill, gameday and serve: one option, one
parser, one way to start and stop the exporter (clustertui/metrics, docs/metrics.md).

A value that is not HOST:PORT is a usage error (exit 2); a port in use, or an address that
is not this machine's, is one line and exit 3, before anything connects."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from clustertui.cli.exits import CANNOT_RUN, fail
from clustertui.cli.output import echo
from clustertui.metrics.address import AddressError, ListenAddress

if TYPE_CHECKING:
    from clustertui.engine.monitor import ClusterMonitor
    from clustertui.metrics.exporter import Exporter

F = TypeVar("F", bound=Callable[..., Any])


class MetricsAddress(click.ParamType):
    name = "host:port"

    def convert(self, value, param, ctx) -> ListenAddress:
        if isinstance(value, ListenAddress):
            return value
        try:
            return ListenAddress.parse(value)
        except AddressError as exc:
            self.fail(str(exc), param, ctx)


def metrics_param(required: bool) -> Callable[[F], F]:
    return click.option(
        "--metrics", "metrics", type=MetricsAddress(), required=required, metavar="HOST:PORT",
        help="Serve Prometheus metrics (OpenMetrics) on HOST:PORT/metrics while it runs; :PORT for every "
             "address, port 0 for a free one (docs/metrics.md).",
    )


metrics_option = metrics_param(required=False)


def listen(address: ListenAddress | None) -> Exporter | None:
    """The exporter listening on `address` (said on stderr), or exit 3 with why it cannot."""
    if address is None:
        return None
    from clustertui.metrics.exporter import Exporter, ListenError

    try:
        exporter = Exporter.listen(address)
    except ListenError as exc:
        fail(str(exc), CANNOT_RUN)
    echo(f"serving metrics on {exporter.url}", err=True)
    return exporter


@contextlib.asynccontextmanager
async def exporting(exporter: Exporter | None, monitor: ClusterMonitor, **attach: Any) -> AsyncIterator[None]:
    """Export `monitor` (started) while the block runs; the server stops when it ends."""
    if exporter is None:
        yield
        return
    exporter.attach(monitor, **attach)
    try:
        yield
    finally:
        await exporter.close()
