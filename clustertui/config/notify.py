"""`notify:` in the cluster file: webhooks told about chaos events.

    notify:
      ops-chat: {url: "https://chat.example/hooks/${CHAT_HOOK}", format: slack, events: [freeze, thaw, drill, abort]}
      pager:    {url: "https://alerts.example/v1/events", headers: {Authorization: "Bearer ${PAGER_TOKEN}"}}

Secrets come from the environment through `${VAR}` (expanded like every string of the
file; an unset VAR is an error).  The URL and the headers are validated here, after that
expansion; headers that frame the request (Host, Content-Length, ...) are the sender's own
and refused.  Delivery (background, bounded retries) is chaos/notify.py's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .frozen import Frozen
from .scalars import DurationRule, HeaderName, HeaderValue, HttpUrl, NameRule, expect, fail


class NotifyEvent(StrEnum):
    """What a webhook can be told about (docs/cluster-file.md, "notify")."""

    APPLY = "apply"  # a fault's apply ended (applied, or refused/rolled back by its node)
    REVERT = "revert"  # one fault's revert ended
    HALT = "halt"  # a halt ended (one event; each fault's revert is its own `revert` too)
    ABORT = "abort"  # a drill or scenario ended `aborted`
    DRILL = "drill"  # a drill ended passed or failed
    SCENARIO = "scenario"  # a scenario (game day) ended passed or failed
    FREEZE = "freeze"
    THAW = "thaw"


#: Headers the sender writes itself: a cluster file may not set them.
RESERVED_HEADERS = frozenset(("host", "content-length", "content-type", "transfer-encoding", "connection"))
MAX_RETRIES = 10
MAX_WEBHOOK_TIMEOUT = 60.0

WebhookName = Annotated[str, NameRule("webhook")]
WebhookTimeout = Annotated[
    float, DurationRule(f"a duration from 100ms to {MAX_WEBHOOK_TIMEOUT:g}s, like 5s", ge=0.1, le=MAX_WEBHOOK_TIMEOUT)
]


class Webhook(Frozen):
    """One receiver: where, in which payload format, for which events, how patiently."""

    url: HttpUrl
    format: Literal["json", "slack"] = "json"
    events: list[Annotated[NotifyEvent, Field(strict=False)]] = list(NotifyEvent)
    headers: dict[HeaderName, HeaderValue] = {}
    timeout: WebhookTimeout = 5.0
    retries: Annotated[int, Field(ge=0, le=MAX_RETRIES), expect(f"an integer from 0 to {MAX_RETRIES}")] = 3

    @field_validator("headers")
    @classmethod
    def _own_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if name.lower() in RESERVED_HEADERS:
                raise fail(f"expected no {name} header (clustertui sets it), found one")
        return headers

    @field_validator("events")
    @classmethod
    def _some_events(cls, events: list[NotifyEvent]) -> list[NotifyEvent]:
        if not events:
            raise fail("expected at least one event (leave events out for all of them), found none")
        return list(dict.fromkeys(events))
