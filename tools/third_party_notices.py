"""The table of Python distributions the platform ships, in THIRD_PARTY_NOTICES.md, and its licence check.

    .venv/bin/python tools/third_party_notices.py          # rewrite the table
    .venv/bin/python tools/third_party_notices.py --check  # exit 1 when the table is out of date or a licence fails

What ships: the dependency closure of every service (each image installs the shared package and one
service) and of the operator's CLI, read from their pyproject.toml files and from the metadata of the
distributions installed in .venv (offline). Test and lint tools (requirements-dev.txt) do not ship.
Only the part between the markers is written; the rest of the file is prose kept by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
NOTICES = REPO / "THIRD_PARTY_NOTICES.md"
CONSTRAINTS = REPO / "constraints.txt"
BEGIN = "<!-- BEGIN python-distributions: written by tools/third_party_notices.py -->"
END = "<!-- END python-distributions -->"

SERVICES = sorted(path.parent for path in (REPO / "services").glob("*/pyproject.toml"))
# The project's own distributions: traversed, never listed.
FIRST_PARTY = [REPO / "shared", REPO / "client", REPO / "tools" / "cli", *SERVICES]
# What is installed somewhere to run: each service (with the shared package) and the operator's CLI.
DEPLOYABLES = [*SERVICES, REPO / "tools" / "cli"]

# Licences that let Apache-2.0 software ship them beside it with a notice and nothing more.
PERMISSIVE = {
    "0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC0-1.0", "HPND", "ISC", "MIT", "MIT-0",
    "MIT-CMU", "PSF-2.0", "Python-2.0", "Unlicense", "Zlib",
}
# Reciprocal licences: shippable under conditions, so each one needs a decision in ALLOWED_COPYLEFT.
COPYLEFT = re.compile(r"^(A?GPL|LGPL|MPL|EPL|CDDL)-")

# Decided case by case: why each reciprocal licence in the runtime set is compatible with shipping the
# platform under Apache-2.0. A new one fails the test until someone decides and writes the reason here.
ALLOWED_COPYLEFT = {
    "certifi": "MPL-2.0 is file-level copyleft: the CA bundle ships unmodified, as its own files, in its own "
               "package; its source is the package itself.",
    "pycountry": "LGPL-2.1 used as a library: imported, unmodified, from its own package in the image's virtualenv, "
                 "where a recipient can replace or modify it, and its Python source is what is installed; that meets "
                 "the LGPL's terms for a work that uses the library (section 6) and leaves the platform's own code "
                 "under Apache-2.0. A change to pycountry itself would be published under the LGPL.",
    "python-stdnum": "LGPL-2.1-or-later used as a library, as pycountry: imported unmodified from its own package, "
                     "replaceable in the virtualenv, its source installed as is.",
    "pyphen": "Tri-licensed; taken under MPL-1.1 (file-level copyleft), unmodified. Its hyphenation dictionaries "
              "(from LibreOffice, some GPL or LGPL) are data files read at run time, not code linked into the "
              "platform; they ship unmodified with their README files in pyphen/dictionaries/.",
}

# Where the metadata is not enough to name the licence, read from the distribution's licence files.
LICENCE_DECISIONS = {
    "pyphen": ("GPL-2.0-or-later OR LGPL-2.1-or-later OR MPL-1.1",
               "classifiers list three licences; its LICENSE says a GPL 2.0+/LGPL 2.1+/MPL 1.1 tri-licence"),
    "python-dateutil": ("Apache-2.0 AND BSD-3-Clause",
                        "metadata says 'Dual License'; its LICENSE: BSD-3-Clause applies to all the code, and "
                        "Apache-2.0 as well to contributions after 2017-12-01"),
    "python-stdnum": ("LGPL-2.1-or-later",
                      "metadata says 'LGPL'; its COPYING is the LGPL 2.1 and its headers add 'or any later version'"),
}

# Free-text License fields and trove classifiers, as SPDX identifiers.
LICENCE_NAMES = {
    "Apache 2": "Apache-2.0", "Apache License 2.0": "Apache-2.0", "3-Clause BSD License": "BSD-3-Clause",
    "ISC License": "ISC",
}
CLASSIFIERS = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
}
BSD_CLASSIFIER = "License :: OSI Approved :: BSD License"
HOME_LABELS = ["homepage", "home", "source", "source code", "repository", "github", "documentation"]


@dataclass(frozen=True)
class Shipped:
    name: str
    version: str
    licence: str  # an SPDX expression, or "" when unknown
    decided: bool  # named from the licence files (LICENCE_DECISIONS or a BSD text), not the metadata alone
    home: str
    needed_by: tuple[str, ...]


def _project(path: Path) -> dict:
    return tomllib.loads((path / "pyproject.toml").read_text())["project"]


def _first_party() -> dict[str, Path]:
    return {canonicalize_name(_project(path)["name"]): path for path in FIRST_PARTY}


def _requirements(name: str, extras: frozenset[str], own: dict[str, Path]) -> list[Requirement]:
    """What a distribution needs with these extras on this platform (the images run Linux and Python 3.11)."""
    if name in own:
        wanted = [Requirement(text) for text in _project(own[name]).get("dependencies", [])]
    else:
        wanted = [Requirement(text) for text in metadata.distribution(name).requires or []]
    environments = [{"extra": extra} for extra in extras | {""}]
    return [req for req in wanted if req.marker is None or any(req.marker.evaluate(env) for env in environments)]


def closure(root: str, own: dict[str, Path]) -> dict[str, frozenset[str]]:
    """Every distribution that installing `root` brings, with the extras asked of it."""
    seen: dict[str, frozenset[str]] = {}
    todo = [(canonicalize_name(root), frozenset())]
    while todo:
        name, extras = todo.pop()
        if name in seen and extras <= seen[name]:
            continue
        seen[name] = seen.get(name, frozenset()) | extras
        for req in _requirements(name, seen[name], own):
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return seen


def _licence_texts(dist: metadata.Distribution) -> str:
    files = [f for f in dist.files or [] if ".dist-info" in str(f) and re.search(r"(?i)licen[cs]e|copying", str(f))]
    return "\n".join(f.locate().read_text(encoding="utf-8", errors="replace") for f in files)


def _bsd_variant(text: str) -> str:
    """The BSD licence a text is (the "BSD License" classifier does not say which)."""
    if "Redistribution and use in source and binary forms" not in text or re.search(r"(?i)advertising", text):
        return ""
    return "BSD-3-Clause" if re.search(r"Neither the name|names of its contributors", text) else "BSD-2-Clause"


def _spdx(text: str) -> str:
    try:
        return canonicalize_license_expression(text)
    except InvalidLicenseExpression:
        return ""


def licence_of(name: str, dist: metadata.Distribution) -> tuple[str, bool]:
    """The SPDX expression of a distribution's licence, and whether it was decided from its licence files."""
    if name in LICENCE_DECISIONS:
        return LICENCE_DECISIONS[name][0], True
    meta = dist.metadata
    if meta.get("License-Expression"):
        return _spdx(meta["License-Expression"]), False
    declared = (meta.get("License") or "").strip()
    if declared and "\n" not in declared:
        spdx = LICENCE_NAMES.get(declared) or _spdx(declared)
        if spdx:
            return spdx, False
    classifiers = {c for c in meta.get_all("Classifier") or [] if c.startswith("License :: OSI Approved :: ")}
    if classifiers == {BSD_CLASSIFIER}:
        return _bsd_variant(_licence_texts(dist)), True
    named = {CLASSIFIERS.get(c, "") for c in classifiers}
    # Several licence classifiers do not say whether they are alternatives or all apply: decide by hand.
    return (named.pop() if len(named) == 1 else ""), False


def _own_site(url: str) -> bool:
    """The project's own address, not a package index's page about it (the repo names no registry)."""
    return bool(url) and not urlsplit(url).path.startswith(("/project/", "/package/", "/simple/"))


def home_page(meta: metadata.PackageMetadata) -> str:
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if _own_site(url.strip()):
            urls.setdefault(label.strip().lower(), url.strip())
    for label in HOME_LABELS:
        if label in urls:
            return urls[label]
    home = meta.get("Home-page") or ""
    return home if _own_site(home) else next(iter(urls.values()), "")


def shipped() -> list[Shipped]:
    """The third-party distributions installed to run a service or the CLI, from the installed metadata."""
    own = _first_party()
    needed_by: dict[str, list[str]] = {}
    for path in DEPLOYABLES:
        for name in closure(_project(path)["name"], own):
            if name not in own:
                needed_by.setdefault(name, []).append("cli" if path.name == "cli" else path.name)
    services = [path.name for path in DEPLOYABLES if path.name != "cli"]
    result = []
    for name in sorted(needed_by):
        dist = metadata.distribution(name)
        users = needed_by[name]
        if all(service in users for service in services):
            users = ["every service"] + [user for user in users if user not in services]
        licence, decided = licence_of(name, dist)
        result.append(Shipped(name, dist.version, licence, decided, home_page(dist.metadata), tuple(users)))
    return result


def _rank(identifier: str) -> int:
    """0 permissive, 1 reciprocal (needs a decision), 2 unknown or not allowed."""
    if identifier in PERMISSIVE:
        return 0
    return 1 if COPYLEFT.match(identifier) else 2


def licence_rank(expression: str) -> int:
    """The rank of an SPDX expression: the best alternative of an OR, the worst part of an AND."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    if not tokens:
        return 2

    def either() -> int:
        best = both()
        while tokens and tokens[0] == "OR":
            tokens.pop(0)
            best = min(best, both())
        return best

    def both() -> int:
        worst = one()
        while tokens and tokens[0] == "AND":
            tokens.pop(0)
            worst = max(worst, one())
        return worst

    def one() -> int:
        token = tokens.pop(0)
        if token == "(":
            rank = either()
            tokens.pop(0)
            return rank
        if tokens and tokens[0] == "WITH":  # an exception only adds permissions
            del tokens[:2]
        return _rank(token)

    return either()


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[canonicalize_name(name)] = version.strip()
    return pins


def problems(distributions: list[Shipped]) -> list[str]:
    """What stops the platform from shipping these under Apache-2.0 with this notice, one line each."""
    found = []
    names = {d.name for d in distributions}
    pins = _pins()
    for d in distributions:
        rank = licence_rank(d.licence)
        if rank == 2:
            found.append(f"{d.name} {d.version}: licence {d.licence or 'unknown'} is not known to be compatible "
                         "with Apache-2.0; read its licence and decide (LICENCE_DECISIONS, ALLOWED_COPYLEFT)")
        elif rank == 1 and d.name not in ALLOWED_COPYLEFT:
            found.append(f"{d.name} {d.version}: {d.licence} is reciprocal; ship it only with a reason in "
                         "ALLOWED_COPYLEFT")
        if pins.get(d.name) != d.version:
            found.append(f"{d.name}: .venv has {d.version}, constraints.txt pins {pins.get(d.name, 'nothing')} "
                         "(pin it, or reinstall .venv: make python-env)")
    for name in sorted(set(ALLOWED_COPYLEFT) - names):
        found.append(f"{name} is in ALLOWED_COPYLEFT but no longer ships: remove it")
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(distributions: list[Shipped]) -> str:
    lines = [
        BEGIN,
        "| distribution | version | licence (SPDX) | needed by | home page |",
        "|---|---|---|---|---|",
    ]
    for d in distributions:
        licence = f"{d.licence} (*)" if d.decided else d.licence
        lines.append(f"| {d.name} | {d.version} | {_cell(licence)} | {', '.join(d.needed_by)} | {d.home} |")
    lines.append("")
    lines.append("(*) named from the distribution's licence files, the metadata being vague:")
    lines.append("")
    for d in distributions:
        if d.decided:
            reason = LICENCE_DECISIONS[d.name][1] if d.name in LICENCE_DECISIONS else \
                f"the classifier says only 'BSD License'; its licence file is the {d.licence} text"
            lines.append(f"- {d.name}: {reason}.")
    lines.append("")
    lines.append("Reciprocal licences shipped, and why that is compatible with distributing the platform "
                 "under Apache-2.0:")
    lines.append("")
    for name, reason in sorted(ALLOWED_COPYLEFT.items()):
        lines.append(f"- {name}: {reason}")
    lines.append(END)
    return "\n".join(lines)


def updated(current: str, distributions: list[Shipped]) -> str:
    start, end = current.find(BEGIN), current.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{NOTICES.name}: the markers {BEGIN!r} and {END!r} are missing")
    return current[:start] + table(distributions) + current[end + len(END):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when out of date or failing")
    args = parser.parse_args(argv)
    distributions = shipped()
    failures = problems(distributions)
    for failure in failures:
        print(f"licence check: {failure}", file=sys.stderr)
    current = NOTICES.read_text()
    wanted = updated(current, distributions)
    if args.check:
        if wanted != current:
            print(f"{NOTICES.name} is out of date: run tools/third_party_notices.py", file=sys.stderr)
            return 1
        return 1 if failures else 0
    if wanted != current:
        NOTICES.write_text(wanted)
        print(f"wrote {NOTICES.name} ({len(distributions)} distributions)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
