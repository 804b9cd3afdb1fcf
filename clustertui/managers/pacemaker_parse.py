"""Parsing what a Pacemaker node says: `crm_mon --output-as=xml` and `corosync-quorumtool -s`.

Both are node text, so both are data: the XML goes through defusedxml with DTDs and
entities refused (no entity expansion, no external fetch), after the read's size bound;
element counts are bounded; every value kept is clipped. Unknown elements and attributes
(a newer Pacemaker) are ignored; a document without `<pacemaker-result>` or whose status
is not OK is a clear failure, never a half-read view.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from clustertui.managers.limits import MAX_LINE, MAX_RECORDS, clip
from clustertui.managers.state import Garbage, ReadFailure, ReadState


@dataclass(frozen=True, slots=True)
class PcmkNode:
    """One cluster node as Pacemaker sees it."""

    name: str
    online: bool
    standby: bool = False
    maintenance: bool = False
    unclean: bool = False
    is_dc: bool = False

    @property
    def state(self) -> str:
        """online, standby, maintenance, offline or unclean (offline and not known safe)."""
        if not self.online:
            return "unclean" if self.unclean else "offline"
        return "maintenance" if self.maintenance else "standby" if self.standby else "online"


@dataclass(frozen=True, slots=True)
class PcmkResource:
    """One resource (a primitive, or an instance of a clone) and where it runs."""

    id: str
    agent: str
    role: str  # Started, Stopped, Starting, Stopping, Promoted, Unpromoted, ...
    nodes: tuple[str, ...]  # where it is active
    parent: str = ""  # its group or clone, "" for a lone primitive
    target_role: str = ""  # "Stopped" when an operator stopped it on purpose
    failed: bool = False
    blocked: bool = False
    managed: bool = True

    @property
    def wanted_stopped(self) -> bool:
        return self.target_role.lower() == "stopped"


@dataclass(frozen=True, slots=True)
class CrmStatus:
    """One node's `crm_mon` answer: quorum, DC, nodes, resources."""

    quorate: bool
    dc: str  # "" when no DC is elected
    nodes: tuple[PcmkNode, ...]
    resources: tuple[PcmkResource, ...]
    stonith_enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Votes:
    """`corosync-quorumtool -s`: this node's partition's votes."""

    quorate: bool
    total: int | None
    expected: int | None
    quorum: int | None  # votes needed


def _flag(element: ET.Element, name: str) -> bool:
    return element.get(name, "").lower() == "true"


def _text(element: ET.Element, name: str) -> str:
    return clip(element.get(name, ""))


def parse_crm_mon(text: str) -> CrmStatus:
    """`crm_mon -1 --output-as=xml` -> CrmStatus; a failed status is DOWN with its message."""
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Garbage(f"crm_mon XML refused: {type(exc).__name__}") from None
    except (ParseError, ET.ParseError, ValueError) as exc:
        # defusedxml's own ParseError: before 0.7.1 it parses with a private copy of the
        # pure-Python ElementTree, whose ParseError is not xml.etree's.
        raise Garbage(f"crm_mon printed no readable XML ({exc})") from None
    if root.tag != "pacemaker-result":
        raise Garbage(f"crm_mon XML: expected <pacemaker-result>, found <{clip(root.tag, 40)}>")
    if sum(1 for _ in root.iter()) > MAX_RECORDS * 4:
        raise Garbage(f"crm_mon XML: over {MAX_RECORDS * 4} elements")
    status = root.find("status")
    errors = [clip(e.text or "") for e in status.iter("error")] if status is not None else []
    summary = root.find("summary")
    # crm_mon reports a cluster it cannot reach in <status>: a failing code, or (2.1 when the
    # CIB is gone) code 0 with errors and no summary.
    if status is not None and (status.get("code", "0") != "0" or (summary is None and errors)):
        why = errors[-1] if errors else _text(status, "message")
        raise ReadFailure(ReadState.DOWN, f"crm_mon: {why or 'status ' + _text(status, 'code')}")
    if summary is None:
        raise Garbage("crm_mon XML: no <summary>")
    dc = summary.find("current_dc")
    options = summary.find("cluster_options")
    dc_present = dc is not None and _flag(dc, "present")
    nodes = tuple(
        PcmkNode(_text(n, "name"), _flag(n, "online"), _flag(n, "standby"), _flag(n, "maintenance"),
                 _flag(n, "unclean"), _flag(n, "is_dc"))
        for n in root.iterfind("nodes/node")
    )
    return CrmStatus(
        quorate=dc_present and dc is not None and _flag(dc, "with_quorum"),
        dc=_text(dc, "name") if dc_present and dc is not None else "",
        nodes=nodes,
        resources=tuple(_resources(root.find("resources"))),
        stonith_enabled=None if options is None or options.get("stonith-enabled") is None
        else _flag(options, "stonith-enabled"),
    )


def _resources(section: ET.Element | None, parent: str = "", depth: int = 0) -> list[PcmkResource]:
    """Primitives in <resources>, with their group or clone (bundles and clones of groups
    nest; depth is bounded)."""
    if section is None or depth > 4:
        return []
    out: list[PcmkResource] = []
    for child in section:
        if child.tag == "resource":
            out.append(PcmkResource(
                id=_text(child, "id"), agent=_text(child, "resource_agent"), role=_text(child, "role"),
                nodes=tuple(_text(n, "name") for n in child.iterfind("node")),
                parent=parent, target_role=_text(child, "target_role"), failed=_flag(child, "failed"),
                blocked=_flag(child, "blocked"), managed=child.get("managed", "true").lower() != "false",
            ))
        elif child.tag in ("group", "clone", "bundle", "replica"):
            out += _resources(child, parent or _text(child, "id"), depth + 1)
    return out


def parse_quorumtool(text: str) -> Votes:
    """The `Quorate:` and vote lines of `corosync-quorumtool -s` (LC_ALL=C)."""
    fields: dict[str, str] = {}
    for at, line in enumerate(text.splitlines()[:200], 1):
        if len(line) > MAX_LINE:
            raise Garbage(f"corosync-quorumtool line {at}: over {MAX_LINE // 1024} KiB")
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    if "Quorate" not in fields:
        why = next((line.strip() for line in text.splitlines() if line.strip()), "no output")
        raise ReadFailure(ReadState.DOWN, f"corosync-quorumtool: {clip(why)}")

    def number(key: str) -> int | None:
        word = fields.get(key, "").split(" ")[0]
        return int(word) if word.isdigit() and len(word) <= 9 else None

    return Votes(fields["Quorate"].lower() == "yes", number("Total votes"), number("Expected votes"), number("Quorum"))
