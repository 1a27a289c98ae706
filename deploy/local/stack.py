#!/usr/bin/env python3
"""Local stack runner: real servers as plain processes, no Docker.

    python3 deploy/local/stack.py up [--seed] | down | status | logs [NAME] | restart NAME | ...

`--help` lists every verb. The code is the package beside this script, deploy/local/runner/
(standard library only: it runs with the system python3 before any virtualenv exists); what the
stack is made of (servers, services, ports, environment, gateway routes, start order) is
deploy/local/runner/topology.py, the one file to edit when a service is added.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner.cli import main  # noqa: E402
# For tests that load this script as a module (tests/integration/test_two_instances.py).
from runner.environment import service_env, service_table  # noqa: E402, F401

if __name__ == "__main__":
    sys.exit(main())
