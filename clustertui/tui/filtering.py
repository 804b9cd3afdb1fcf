"""The `/` filter: which nodes a query keeps.

A query is words separated by spaces; a node is kept when every word matches.  A bare word
matches, case-insensitively, a substring of the node's name, host, a role, its state, or a
label key or value.  A word can be pinned to one field:

    name:web   role:db   state:stale   label:zone=a   zone=a   (a label)   cluster:lab-ha

so `role:web state:up` keeps the web nodes that are up, and `web2` finds web2 anywhere.
With several clusters in one view, `cluster:NAME` keeps one cluster's nodes (the exact
name: `cluster:lab` is not lab-ha) and a bare word matches the cluster's name too, since it
is part of the node's shown name `cluster/node`.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.engine.snapshot import NodeView

FIELDS = ("name", "role", "state", "label", "host", "cluster")


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: any field
    value: str  # lower case; for labels "key=value" or "key"

    def matches(self, view: NodeView) -> bool:
        value = self.value
        if self.field == "name":
            return value in view.name.lower()
        if self.field == "host":
            return value in view.host.lower()
        if self.field == "cluster":
            return view.cluster.lower() == value
        if self.field == "role":
            return any(value in role.lower() for role in view.roles)
        if self.field == "state":
            return str(view.state).startswith(value)
        if self.field == "label":
            key, sep, wanted = value.partition("=")
            if sep:
                return any(k.lower() == key and wanted in str(v).lower() for k, v in view.labels.items())
            return any(value in k.lower() or value in str(v).lower() for k, v in view.labels.items())
        return (
            value in view.name.lower()
            or value in view.host.lower()
            or any(value in role.lower() for role in view.roles)
            or value in str(view.state)
            or any(value in k.lower() or value in str(v).lower() for k, v in view.labels.items())
        )


@dataclass(frozen=True, slots=True)
class NodeFilter:
    query: str
    terms: tuple[Term, ...]

    def matches(self, view: NodeView) -> bool:
        return all(term.matches(view) for term in self.terms)

    @property
    def active(self) -> bool:
        return bool(self.terms)


def parse_filter(query: str) -> NodeFilter:
    terms = []
    for word in query.lower().split():
        field, sep, value = word.partition(":")
        if sep and field in FIELDS and value:
            terms.append(Term(field, value))
        elif "=" in word and not sep:
            terms.append(Term("label", word))
        else:
            terms.append(Term(None, word))
    return NodeFilter(query, tuple(terms))


NO_FILTER = parse_filter("")
