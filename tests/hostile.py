"""A copy of the demo whose dev policies carry HTML, Markdown and shell metacharacters where IAM allows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import REPO

HOSTILE = "</script><img src=x onerror=alert(1)>|`id`$(touch /tmp/pwned)\n# heading"
HOSTILE_SID = "Sid|`x`<b>"


def hostile_demo(folder: Path) -> Path:
    """Write the demo config and snapshots into `folder`, dev's DataAccess made hostile; return the config."""
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    shutil.copytree(REPO / "baselines" / "demo", folder / "baselines" / "demo")
    dev = folder / "baselines" / "demo" / "dev.json"
    data = json.loads(dev.read_text())
    role = data["roles"]["deep-insight-task-role-dev"]
    statements = role["inline_policies"]["DataAccess"]["Statement"]
    statements[1]["Resource"] = f"arn:aws:s3:::orders-dev/{HOSTILE}"
    statements[1]["Sid"] = HOSTILE_SID
    statements[0]["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": HOSTILE}}
    role["tags"] = {"owner": HOSTILE}
    dev.write_text(json.dumps(data))
    return folder / "config.yaml"
