"""The Prometheus HTTP API from the controller: instant and range queries, bounded.

One GET per query on a fresh connection (h11 over asyncio streams, as in netcheck.py: no
HTTP client library for a handful of requests per interval).  Whatever the server does
(refuses, hangs, trickles, floods, answers HTML or an error), the caller gets a
`PrometheusError` with one printable line saying why, within the timeout, and never more
than MAX_BODY bytes are read.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import h11

from clustertui.transport.http_answer import AnswerTooLarge, ClosedEarly, read_answer
from clustertui.transport.netcheck import MAX_HEAD, _printable, _reason, _tls_context

#: The most a query's answer may take: 1,000 nodes' per-core CPU is about 300 KB.
MAX_BODY = 32 * 1024 * 1024
_READ = 65536


class PrometheusError(Exception):
    """A query failed; the message is one line, phrased for the user."""


@dataclass(frozen=True, slots=True)
class PrometheusApi:
    """Where the server is and how to talk to it (`source:` of the cluster file)."""

    url: str  # the server's base URL: http://prometheus:9090 (a path prefix is kept)
    timeout: float = 2.0
    headers: tuple[tuple[str, str], ...] = ()

    async def query(self, promql: str, at: float) -> list[dict[str, Any]]:
        """An instant query at `at` (epoch seconds): the vector's items, as the API gives them."""
        return await self._call("query", {"query": promql, "time": f"{at:.3f}"}, "vector")

    async def query_range(self, promql: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        """A range query: the matrix's series, as the API gives them."""
        params = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:.3f}"}
        return await self._call("query_range", params, "matrix")

    async def _call(self, endpoint: str, params: Mapping[str, str], kind: str) -> list[dict[str, Any]]:
        try:
            async with asyncio.timeout(self.timeout):
                status, body = await self._get(f"{self.url.rstrip('/')}/api/v1/{endpoint}?{urlencode(params)}")
        except TimeoutError:
            raise PrometheusError(f"no answer within {self.timeout:g}s") from None
        except ssl.SSLError as exc:
            raise PrometheusError(f"TLS: {_printable(str(exc.reason or exc))}") from None
        except OSError as exc:
            raise PrometheusError(_reason(exc)) from None
        except h11.ProtocolError:
            raise PrometheusError("not an HTTP response") from None
        except ValueError as exc:  # an address no connection can be made to (IDNA, a port)
            raise PrometheusError(f"bad URL: {_printable(str(exc))}") from None
        return _result(status, body, kind)

    async def _get(self, url: str) -> tuple[int, bytes]:
        parts = urlsplit(url)
        tls = parts.scheme == "https"
        host = parts.hostname or ""
        port = parts.port or (443 if tls else 80)
        context = _tls_context(None, False) if tls else None
        reader, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host if tls else None)
        try:
            connection = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
            authority = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
            given = {name.lower() for name, _ in self.headers}
            headers = [(k, v) for k, v in (("Host", authority), ("User-Agent", "clustertui"),
                                           ("Accept", "application/json"), ("Connection", "close"))
                       if k.lower() not in given] + list(self.headers)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            writer.write(connection.send(h11.Request(method="GET", target=target, headers=headers)))
            writer.write(connection.send(h11.EndOfMessage()))
            return await read_answer(connection, reader.read, MAX_BODY, _READ)
        except AnswerTooLarge:
            raise PrometheusError(f"an answer over {MAX_BODY // (1024 * 1024)} MiB") from None
        except ClosedEarly:
            raise PrometheusError("connection closed before a complete answer") from None
        finally:
            writer.close()


def _result(status: int, body: bytes, kind: str) -> list[dict[str, Any]]:
    """The `data.result` of an API answer of type `kind`, or why there is none."""
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        raise PrometheusError(f"HTTP {status}, not a Prometheus API answer (not JSON)") from None
    if not isinstance(answer, dict):
        raise PrometheusError(f"HTTP {status}, not a Prometheus API answer")
    if answer.get("status") != "success":
        error = answer.get("error")
        why = _printable(error) if isinstance(error, str) else "no error message"
        raise PrometheusError(f"HTTP {status}: {why}")
    data = answer.get("data")
    if not isinstance(data, dict) or data.get("resultType") != kind or not isinstance(data.get("result"), list):
        raise PrometheusError(f"expected a {kind} in the answer")
    return [item for item in data["result"] if isinstance(item, dict)]
