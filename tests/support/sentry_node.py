"""The real @sentry/node from npm, installed once per run into tests/support/node/node_modules.

package.json pins the version and package-lock.json the whole tree; `npm ci` installs exactly
that. Without node or npm the tests skip on a laptop and fail under CI=true.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.needs import missing

NODE_PROJECT = Path(__file__).parent / "node"
NODE_REPORTER = str(NODE_PROJECT / "report.mjs")


def _installed_version():
    installed = NODE_PROJECT / "node_modules" / "@sentry" / "node" / "package.json"
    return json.loads(installed.read_text())["version"] if installed.exists() else None


@pytest.fixture(scope="session")
def node_reporter():
    """The path of the node executable, with @sentry/node installed for report.mjs."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        missing("node and npm are needed to run the real @sentry/node")
    if _installed_version() != json.loads((NODE_PROJECT / "package.json").read_text())["dependencies"]["@sentry/node"]:
        install = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_PROJECT, capture_output=True, text=True, timeout=600
        )
        if install.returncode != 0:
            missing(f"npm ci failed in {NODE_PROJECT}:\n{install.stderr}")
    return node
