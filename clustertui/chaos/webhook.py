"""One webhook delivery: the payload (generic JSON or Slack-compatible) and its POST.

Blocking on purpose: it runs in a notifier's worker thread (notify.py), never on the event
loop that reverts faults.  Every attempt is bounded by the webhook's `timeout` (connect
and each read); redirects are not followed (a hook that redirects is misconfigured, and a
POST must not turn into a GET elsewhere); proxies from the environment are honoured
except for loopback addresses, which are always reached directly.

Node text in a notice was escaped when the notice was made (`Notice`); the Slack payload
also escapes Slack's own control characters (`&`, `<`, `>`), so that a node cannot
mention `<!channel>` or forge a link.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from clustertui.config.notify import Webhook

USER_AGENT = "clustertui-notify/1"
#: The most of a receiver's answer read (its status is what counts; the body only says why).
MAX_ANSWER = 512


@dataclass(frozen=True, slots=True)
class Notice:
    """One event for the webhooks: `text` is one line for a person; `details` the facts
    (JSON-safe; every node string already escaped)."""

    event: str
    cluster: str
    text: str
    ok: bool
    by: str
    at: float
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "source": "clustertui",
            "event": self.event,
            "cluster": self.cluster,
            "time": datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds"),
            "by": self.by,
            "ok": self.ok,
            "text": self.text,
            **self.details,
        }


def slack_escape(text: str) -> str:
    """Slack's mrkdwn control characters, escaped as Slack documents."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(hook: Webhook, notice: Notice) -> bytes:
    if hook.format == "slack":
        mark = ":white_check_mark:" if notice.ok else ":warning:"
        body: dict[str, Any] = {"text": f"{mark} clustertui {slack_escape(notice.cluster)} {notice.event}: "
                                        f"{slack_escape(notice.text)}"}
    else:
        body = notice.to_json()
    return json.dumps(body, ensure_ascii=True, default=str).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx is then an HTTPError: a failed attempt, not a followed redirect


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if _loopback(url):
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


class DeliveryError(Exception):
    """One failed attempt; `retry` False when trying again cannot help (a 4xx answer)."""

    def __init__(self, why: str, retry: bool = True) -> None:
        super().__init__(why)
        self.retry = retry


def post(hook: Webhook, body: bytes) -> int:
    """POST once; the status of a 2xx answer, or DeliveryError saying why (never the URL:
    it may hold a secret)."""
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **hook.headers}
    request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
    try:
        with _opener(hook.url).open(request, timeout=hook.timeout) as answer:
            answer.read(MAX_ANSWER)
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
        retry = status >= 500 or status in (408, 429)
        return _raise(f"HTTP {status}", retry)
    except urllib.error.URLError as exc:
        return _raise(f"{type(exc.reason).__name__}: {exc.reason}" if not isinstance(exc.reason, str) else exc.reason)
    except (TimeoutError, OSError) as exc:
        return _raise(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def _raise(why: str, retry: bool = True) -> int:
    raise DeliveryError(why[:200], retry)


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1, 2, ...): 0.5, 1, 2, 4, then 5 at most."""
    return float(min(5.0, 0.5 * 2.0 ** (attempt - 1)))
