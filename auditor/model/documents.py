"""Policy documents arrive decoded (boto3, the AWS CLI) or as the URL-encoded JSON the raw IAM API returns."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from auditor.errors import PolicyFormatError


def decode_document(document: Any) -> Any:
    """Accept a document as decoded JSON, a JSON string, or URL-encoded JSON; anything else as it is."""
    if not isinstance(document, str):
        return document
    text = unquote(document) if document.lstrip().startswith("%7B") else document
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyFormatError(f"document is not valid JSON ({exc.msg} at position {exc.pos})") from None
    except RecursionError:
        raise PolicyFormatError("document is nested too deeply") from None
