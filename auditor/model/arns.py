"""IAM's own spelling of names, paths and ARNs: one pattern each, for every place that checks one, and what an
ARN says (AWS managed or not, the policy name)."""

from __future__ import annotations

# IAM's own character sets (CreateRole, PutRolePolicy, CreatePolicy): ASCII only, where `\w` would admit any
# letter. Names reach shell commands, file names and reports; anything outside these sets is malformed
# input, not a name to render.
IAM_NAME = r"^[A-Za-z0-9_+=,.@-]{1,128}$"
IAM_PATH = r"^/(?:[\x21-\x7e]*/)?$"
POLICY_ARN = r"^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy/[\x21-\x7e]+$"
ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\x21-\x7e]+$"


def is_aws_managed(arn: str) -> bool:
    """True for policies AWS owns (`arn:aws:iam::aws:policy/...`), the same document in every account."""
    return ":iam::aws:policy/" in arn


def policy_name(arn: str) -> str:
    """The policy name is the last segment of its ARN (moto omits PolicyName in GAAD)."""
    return arn.rsplit("/", 1)[-1]
