"""One way to judge a service and to check an endpoint, shared by `check` and the monitor."""

from __future__ import annotations

from clustertui.config import Endpoint, Service
from clustertui.probe.sample import ServiceProbe, Sign
from clustertui.transport.netcheck import CheckOutcome, HttpOptions, http_check, tcp_check


def service_problems(service: Service, probe: ServiceProbe | None, http: CheckOutcome | None) -> list[str]:
    """Why a service is down (empty when up): every sign of life the probe saw must hold
    (``ServiceProbe.failed``, the one rule), and the HTTP check if one is configured."""
    problems: list[str] = []
    if probe is not None:
        failed = {
            Sign.PROCESS: f"no {service.process} process",
            Sign.PORT: f"port {service.port} not listening",
            Sign.SYSTEMD: f"{service.systemd} {probe.systemd}",
        }
        problems += [failed[sign] for sign in probe.failed]
    if http is not None and not http.ok:
        problems.append(http.describe())
    return problems


def service_signs(service: Service, probe: ServiceProbe | None, http: CheckOutcome | None) -> list[str]:
    """The signs of life that did hold, for a human reading `check`."""
    signs: list[str] = []
    if probe is not None:
        count = probe.process_count or 0
        held = {
            Sign.PROCESS: f"{count} pid{'s' if count > 1 else ''}",
            Sign.PORT: f"port {service.port} listening",
            Sign.SYSTEMD: f"{service.systemd} active",
        }
        signs += [held[sign] for sign in probe.held]
    if http is not None and http.ok:
        signs.append(http.describe())
    return signs


async def check_service_url(service: Service, host: str, timeout: float) -> CheckOutcome | None:
    if not service.http:
        return None
    return await http_check(service.http.replace("{host}", host), timeout=timeout, options=HttpOptions.of(service))


async def check_endpoint(endpoint: Endpoint, timeout: float | None = None) -> CheckOutcome:
    timeout = endpoint.timeout if timeout is None else min(endpoint.timeout, timeout)
    if endpoint.http:
        return await http_check(endpoint.http, endpoint.expect_status, timeout, HttpOptions.of(endpoint))
    host, _, port = endpoint.target.rpartition(":")
    return await tcp_check(host.strip("[]"), int(port), timeout)
