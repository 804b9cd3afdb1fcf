"""The cluster's own view: what its load balancers, VRRP, Sentinel, etcd and role commands believe.

Each kind of cluster manager (config.managers.ManagerKind) has an adapter here that reads
it over the pooled SSH connections -- a forwarded stream to a unix socket or a port on the
node, or a command with bounded output -- and returns an immutable, typed snapshot
(`snapshot.py`). Everything a manager prints is hostile data: reads are bounded in time and
size (`limits.py`) and any failure is a read state with its reason, never an exception
(`state.py`). The engine compares these views with its own probe (engine.findings).

Layer: below the engine (which runs the reads and judges them), above the transport.
"""
