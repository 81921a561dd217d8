"""IAM's own spelling of names, paths and ARNs: one pattern each, for every place that checks one."""

from __future__ import annotations

# IAM's own character sets (CreateRole, PutRolePolicy, CreatePolicy): ASCII only, where `\w` would admit any
# letter. Names reach shell commands, file names and reports; anything outside these sets is malformed
# input, not a name to render.
IAM_NAME = r"^[A-Za-z0-9_+=,.@-]{1,128}$"
IAM_PATH = r"^/(?:[\x21-\x7e]*/)?$"
POLICY_ARN = r"^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy/[\x21-\x7e]+$"
ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\x21-\x7e]+$"
