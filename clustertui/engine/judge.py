"""One way to judge a service and to check an endpoint, shared by `check` and the monitor."""

from __future__ import annotations

from clustertui.probe.sample import ServiceProbe
from clustertui.transport.netcheck import CheckOutcome, HttpOptions, http_check, tcp_check


def service_problems(service, probe: ServiceProbe | None, http: CheckOutcome | None) -> list[str]:
    """Why a service is down (empty when up): every configured sign of life must hold."""
    problems: list[str] = []
    if probe is not None:
        if probe.process_count == 0:
            problems.append(f"no {service.process} process")
        if probe.listening is False:
            problems.append(f"port {service.port} not listening")
        if probe.systemd is not None and probe.systemd != "active":
            problems.append(f"{service.systemd} {probe.systemd}")
    if http is not None and not http.ok:
        problems.append(http.describe())
    return problems


def service_signs(service, probe: ServiceProbe | None, http: CheckOutcome | None) -> list[str]:
    """The signs of life that did hold, for a human reading `check`."""
    signs: list[str] = []
    if probe is not None:
        if probe.process_count:
            signs.append(f"{probe.process_count} pid{'s' if probe.process_count > 1 else ''}")
        if probe.listening:
            signs.append(f"port {service.port} listening")
        if probe.systemd == "active":
            signs.append(f"{service.systemd} active")
    if http is not None and http.ok:
        signs.append(http.describe())
    return signs


async def check_service_url(service, host: str, timeout: float) -> CheckOutcome | None:
    if not service.http:
        return None
    return await http_check(service.http.replace("{host}", host), timeout=timeout, options=HttpOptions.of(service))


async def check_endpoint(endpoint, timeout: float | None = None) -> CheckOutcome:
    timeout = endpoint.timeout if timeout is None else min(endpoint.timeout, timeout)
    if endpoint.http:
        return await http_check(endpoint.http, endpoint.expect_status, timeout, HttpOptions.of(endpoint))
    host, _, port = endpoint.tcp.rpartition(":")
    return await tcp_check(host.strip("[]"), int(port), timeout)
