"""`source:` in the cluster file: where the nodes' metrics come from besides the SSH probe.

With `source: {prometheus: URL}` the CPU, memory, swap, load and network figures are read
from a Prometheus server's HTTP API (node_exporter's series), one instant query per metric
per interval for the whole fleet; SSH stays for services, the chaos ledger and managers
(docs/cluster-file.md, "source").  Everything here reaches a PromQL query, so the label
names and matchers are validated to their grammar: a typo must be a file:line error, not a
query Prometheus rejects every second.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .frozen import Frozen
from .scalars import Duration, HeaderName, HeaderValue, HttpUrl, Timeout, expect

#: A Prometheus label name (the data model's grammar).
_LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
#: One label matcher: name, operator, a double-quoted string with backslash escapes.
_MATCHER = rf'\s*{_LABEL}\s*(?:=~|!~|!=|=)\s*"(?:[^"\\\n]|\\.)*"\s*'
PromLabel = Annotated[str, Field(pattern=f"^{_LABEL}$", max_length=200),
                      expect("a Prometheus label name (letters, digits and '_', not starting with a digit)")]
Selector = Annotated[str, Field(pattern=f"^(?:{_MATCHER}(?:,{_MATCHER})*)?$", max_length=2000),
                     expect('label matchers as inside PromQL braces, like job="node" or job="node",env!="dev"')]


class PrometheusSource(Frozen):
    """`source: {prometheus: URL, ...}`: node metrics from node_exporter's series in Prometheus."""

    prometheus: HttpUrl
    #: The label whose value is the node's name; None: match the `instance` label's host to
    #: the node's host (node_exporter's usual target `HOST:9100`).
    node_label: PromLabel | None = None
    #: Label matchers added to every query (`job="node"`): only the fleet's node_exporters.
    selector: Selector = ""
    #: The range irate() looks back over: at least two scrape intervals of the server.
    window: Duration = 60.0
    #: How long one query may take; a slower answer leaves the figures to the probe.
    timeout: Timeout = 2.0
    headers: dict[HeaderName, HeaderValue] = Field(default_factory=dict)

