"""Controller cost of one HTTP(S) check: clustertui's client against httpx.

Service and endpoint checks run every interval for every service on every node, so their
controller CPU adds up (200 nodes x 2 services at 1 s = 400 checks/s). This bench starts a
small HTTP and HTTPS server in a child process on 127.0.0.1 (its CPU is not counted; the
certificate comes from a CA made with openssl for the run), then sends N sequential checks
with each client and prints the controller process's CPU (user + system) and wall time per
check, plus each client's cold import time in a fresh interpreter.

Both clients open a fresh connection per check, as a health check must (a kept-alive
connection to a VIP would stay on one backend and hide a failed connect), verify the
certificate against the run's CA, and read the status line and headers, never the body.

    .venv/bin/python bench/http_check.py [--checks 500]
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from clustertui.transport.netcheck import HttpOptions, http_check

SERVER = textwrap.dedent(
    """
    import asyncio, ssl, sys
    ANSWER = b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok"
    async def answer(reader, writer):
        try:
            await reader.readuntil(b"\\r\\n\\r\\n")
            writer.write(ANSWER)
            await writer.drain()
        except Exception:
            pass
        writer.close()
    async def main(cert, key):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        plain = await asyncio.start_server(answer, "127.0.0.1", 0, backlog=512)
        tls = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context, backlog=512)
        print(plain.sockets[0].getsockname()[1], tls.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    cert, key, csr = directory / "server.pem", directory / "server.key", directory / "server.csr"
    ext = directory / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", ca_key, "-out", ca, "-days", "1", "-subj", "/CN=bench CA"], check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", cert, "-days", "1", "-extfile", ext], check=True, capture_output=True)
    return ca, cert, key


async def run_clustertui(url: str, ca: Path, checks: int) -> None:
    options = HttpOptions(ca_file=str(ca))
    for _ in range(checks):
        outcome = await http_check(url, 200, 2.0, options)
        if not outcome.ok:
            raise SystemExit(f"clustertui check failed: {outcome.describe()}")


async def run_httpx(url: str, ca: Path, checks: int) -> None:
    import httpx  # not a dependency of clustertui: `pip install httpx` to run this bench

    context = ssl.create_default_context(cafile=str(ca))
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(verify=context, limits=limits, timeout=2.0, follow_redirects=False) as client:
        for _ in range(checks):
            async with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise SystemExit(f"httpx check failed: {response.status_code}")


def import_ms(module: str) -> float:
    """Cold import time of `module` in a fresh interpreter (best of 5)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    return min(runs) * 1000


def measure(client, url: str, ca: Path, checks: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per check, after a warm-up of 20 checks."""
    asyncio.run(client(url, ca, 20))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    asyncio.run(client(url, ca, checks))
    return (time.process_time() - cpu0) * 1000 / checks, (time.perf_counter() - wall0) * 1000 / checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=500)
    args = parser.parse_args()
    try:
        import httpx  # noqa: F401
    except ImportError:
        raise SystemExit("bench: httpx is the comparison; install it first (.venv/bin/pip install httpx)") from None
    with tempfile.TemporaryDirectory() as tmp:
        ca, cert, key = make_certificates(Path(tmp))
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(cert), str(key)], stdout=subprocess.PIPE, text=True)
        try:
            plain, tls = server.stdout.readline().split()
            clients = {"clustertui": run_clustertui, "httpx": run_httpx}
            print(f"{args.checks} sequential checks, fresh connection each, controller process only:")
            for scheme, port in (("http", plain), ("https", tls)):
                url = f"{scheme}://127.0.0.1:{port}/health"
                for name, client in clients.items():
                    cpu, wall = measure(client, url, ca, args.checks)
                    print(f"  {scheme:<5} {name:<10} {cpu:6.3f} ms CPU  {wall:6.3f} ms wall per check")
        finally:
            server.terminate()
            server.wait()
    print("cold import (best of 5):")
    for module in ("clustertui.transport.netcheck", "httpx"):
        print(f"  {module:<32} {import_ms(module):6.1f} ms")


if __name__ == "__main__":
    main()
