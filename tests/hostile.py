"""A copy of the demo whose policies, waivers and names carry HTML, Markdown, shell and terminal attacks where IAM
allows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import REPO

HOSTILE = "</script><img src=x onerror=alert(1)>|`id`$(touch /tmp/pwned)\n# heading"
HOSTILE_SID = "Sid|`x`<b>"
# Legal IAM text that GitHub would render as a remote image, a link and a mention.
TRACKER = "![pix](https://evil.example/track.png) [click](https://evil.example) @octocat www.evil.example"
# OSC 52 writes the terminal's clipboard; BEL ends it; NUL and ESC have no business in a report.
TERMINAL = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x00\u202e"
# A baseline action that, unquoted, would end a comment and run a command when the verify block is pasted.
SHELL_ACTION = "logs:GetDelivery\ntouch PWNED #"
WAIVER_REASON = f"accepted {TRACKER} {TERMINAL}"


def hostile_demo(folder: Path) -> Path:
    """Write the demo config and snapshots into `folder`, made hostile; return the config."""
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    shutil.copytree(REPO / "baselines" / "demo", folder / "baselines" / "demo")
    dev = folder / "baselines" / "demo" / "dev.json"
    data = json.loads(dev.read_text())
    role = data["roles"]["deep-insight-task-role-dev"]
    statements = role["inline_policies"]["DataAccess"]["Statement"]
    statements[1]["Resource"] = f"arn:aws:s3:::orders-dev/{HOSTILE}"
    statements[1]["Sid"] = HOSTILE_SID
    statements[0]["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": [HOSTILE, TRACKER, TERMINAL]}}
    role["tags"] = {"owner": HOSTILE}
    dev.write_text(json.dumps(data))
    prod = folder / "baselines" / "demo" / "prod.json"
    data = json.loads(prod.read_text())
    observability = data["roles"]["deep-insight-task-execution-role-prod"]["inline_policies"]["ObservabilityAccess"]
    observability["Statement"] = [{"Sid": TERMINAL, "Effect": "Allow", "Action": SHELL_ACTION, "Resource": "*"}]
    prod.write_text(json.dumps(data))
    waiver = json.dumps(WAIVER_REASON)  # a YAML double-quoted string is JSON's, escapes included
    (folder / "waivers.yaml").write_text(
        "waivers:\n"
        f"  - match: {{kind: role_extra}}\n    reason: {waiver}\n    owner: {waiver}\n    expires: 2099-12-31\n"
        f"  - match: {{kind: unreadable}}\n    reason: {waiver}\n    owner: {waiver}\n    expires: 2099-12-31\n"
    )
    return folder / "config.yaml"
