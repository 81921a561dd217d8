"""One AWS call: made, retried where botocore does not retry, its errors named for the user (with the statement to
add on AccessDenied), and counted per operation from botocore's own events on every client the tool makes."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from auditor.config import ResolvedAccount
from auditor.errors import SourceError


class ApiCalls:
    """A thread-safe tally of API calls made, as `service:Operation` -> count (retries not counted)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, register: Callable[..., Any]) -> None:
        """Count every call made by the client or session whose `register` this is."""
        register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._counts[f"{model.service_model.service_name}:{model.name}"] += 1

    def totals(self) -> dict[str, int]:
        """The counts so far, sorted by operation."""
        with self._lock:
            return dict(sorted(self._counts.items()))


DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"})
THROTTLED = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"})
PARSE_ATTEMPTS = 3


def call_aws(account: ResolvedAccount | None, action: str, func: Any, resource: str = "*", **params: Any) -> Any:
    """Call `func`, turning AWS errors into SourceError that names the action (and the statement to add)."""
    import botocore.exceptions  # only calls to AWS need botocore; an offline run never imports it
    import botocore.parsers

    where = f"account {account.name!r}: " if account else ""
    try:
        return _parsed(func, params)
    except botocore.parsers.ResponseParserError as exc:
        raise SourceError(f"{where}{action} failed: the response could not be parsed ({_first_line(exc)})") from exc
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code in DENIED:
            statement = json.dumps({"Effect": "Allow", "Action": action, "Resource": resource})
            raise SourceError(
                f"{where}AccessDenied on {action}; add to the auditor's policy: {statement}", statement
            ) from exc
        if code in THROTTLED:
            raise SourceError(
                f"{where}{action} still throttled after the allowed retries; run again later or raise "
                "aws.max_attempts in the config",
                "aws.max_attempts",
            ) from exc
        raise SourceError(f"{where}{action} failed: {code}: {error.get('Message', '')}".rstrip(": ")) from exc
    except botocore.exceptions.NoCredentialsError as exc:
        raise SourceError(
            f"{where}no AWS credentials found for {action} (set a profile or the standard chain)"
        ) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise SourceError(f"{where}{action} failed: {exc}") from exc
    except ValueError as exc:  # http.client refuses a header, e.g. a credential with a stray CR
        raise SourceError(f"{where}{action} failed: {exc}") from exc


def _parsed(func: Any, params: dict[str, Any]) -> Any:
    # botocore retries throttling and dropped connections, not a response it cannot parse (truncated, not
    # XML, a proxy's error page): those are retried here, a few times, before the account counts as unreadable.
    import botocore.parsers

    for attempt in range(PARSE_ATTEMPTS):
        try:
            return func(**params)
        except botocore.parsers.ResponseParserError:
            if attempt == PARSE_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def field(account: ResolvedAccount | None, action: str, response: Any, key: str) -> Any:
    """`response[key]`, or SourceError saying the response lacked it (a proxy or a broken endpoint)."""
    if not isinstance(response, dict) or key not in response:
        where = f"account {account.name!r}: " if account else ""
        raise SourceError(f"{where}{action} returned an unexpected response (no {key})")
    return response[key]
