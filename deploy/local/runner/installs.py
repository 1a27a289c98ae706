"""Installs, cached per version outside the repository (${XDG_CACHE_HOME:-~/.cache}/shared-audits/):
Kafka's jars (mvn), SecantusDB (cargo), versitygw (go), nginx, Chromium and the PDF libraries
(Debian packages), and the project's .venv. Each does nothing when its cache is complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from .common import StackError, file_lock, need_tool, rel, run_logged, say
from .settings import CACHE, HERE, LOGS, REPO, VENV, VENV_PY
from .topology import SERVICES

if TYPE_CHECKING:
    from .supervise import Part

KAFKA_VERSION = "4.1.1"  # also in kafka/pom.xml (passed to mvn as -Dkafka.version)
# Built with cargo; DESIGN.md section 8 (GPL-2.0: a separate process, never linked).
SECANTUS_VERSION = "0.5.3-beta.196"
VERSITYGW_VERSION = "v1.8.0"
VERSITYGW_PKG = "github.com/versity/versitygw/cmd/versitygw"


def kafka_home() -> Path:
    return CACHE / f"kafka-{KAFKA_VERSION}"


def install_kafka() -> None:
    """Kafka broker jars + log4j2 backend, fetched with mvn from the POM."""
    pom = HERE / "kafka" / "pom.xml"
    home = kafka_home()
    stamp = home / ".complete"
    # The stamp remembers which POM the jars came from: editing the POM
    # (e.g. another log4j version) refreshes the cache.
    want = hashlib.sha256(pom.read_bytes() + KAFKA_VERSION.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    with file_lock(CACHE / f"kafka-{KAFKA_VERSION}.lock", "Kafka install"):
        if stamp.exists() and stamp.read_text() == want:
            return
        mvn = need_tool("mvn", "Maven 3.8+ is needed to fetch the Kafka jars")
        need_tool("java", "Java 17+ is needed to run Kafka")
        say(f"installing Kafka {KAFKA_VERSION} jars (first time, takes a minute)...")
        tmp = home / "libs.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        home.mkdir(parents=True, exist_ok=True)
        run_logged([mvn, "-B", "-q", "-f", str(pom), f"-Dkafka.version={KAFKA_VERSION}",
                    "dependency:copy-dependencies", "-DincludeScope=runtime",
                    f"-DoutputDirectory={tmp}"],
                   LOGS / "install-kafka.log", cwd=HERE / "kafka", what="mvn (Kafka jars)")
        sync_dir(tmp, home / "libs")
        stamp.write_text(want)
        say(f"Kafka {KAFKA_VERSION}: {len(list((home / 'libs').glob('*.jar')))} jars "
            f"in {home / 'libs'}")


def sync_dir(src: Path, dest: Path) -> None:
    """Move src's files into dest, replacing only what changed, then drop
    dest's extra files. Another checkout's Kafka may run from these jars:
    unchanged jars stay as they are, a replaced one is a new inode (rename),
    so a running JVM keeps reading the files it has open."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f.name for f in src.iterdir()}
    for name in wanted:
        new, old = src / name, dest / name
        if not old.exists() or old.read_bytes() != new.read_bytes():
            os.replace(new, old)
    for old in dest.iterdir():
        if old.name not in wanted:
            old.unlink()
    shutil.rmtree(src)


def go_env() -> dict[str, str]:
    # Static binaries; no go.work of some parent directory may interfere.
    return {**os.environ, "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=readonly"}


def binary_ok(binary: Path) -> bool:
    """A binary counts once it has run `--version` successfully; a stamp
    file remembers that so later starts do not re-run it."""
    stamp = binary.with_name(".ok")
    if binary.exists() and stamp.exists():
        return True
    if not binary.exists():
        return False
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        if subprocess.run([str(binary), "--version"], capture_output=True,
                          timeout=20).returncode == 0:
            stamp.write_text("ok\n")
            return True
    return False


def secantus_bin() -> Path:
    return CACHE / f"secantus-{SECANTUS_VERSION}" / "secantusd-rs"


def install_secantus() -> None:
    """SecantusDB with `cargo install` into a scratch root; only the finished
    binary is moved into the cache, so a half-finished build never counts."""
    binary = secantus_bin()
    if binary_ok(binary):
        return
    with file_lock(CACHE / f"secantus-{SECANTUS_VERSION}.lock", "SecantusDB build"):
        if binary_ok(binary):
            return
        cargo = need_tool("cargo", "Rust (rustup) is needed to build SecantusDB")
        need_cmake()
        need_tool("cc", "a C compiler builds SecantusDB's bundled WiredTiger; "
                        "run `sudo apt-get install -y build-essential`")
        root = CACHE / f"secantus-{SECANTUS_VERSION}.build"
        log = LOGS / "install-secantus.log"
        say(f"building SecantusDB {SECANTUS_VERSION} with cargo (first time: 15-30 minutes on "
            f"2 cores, the last few crates, its own, take half of it; log: {rel(log)})...")
        # The crate declares a newer Rust than this machine's; it builds with the older one.
        # Its target dir is kept on failure or Ctrl-C: the next run resumes, not restarts.
        run_logged([cargo, "install", "secantus-mdb", "--version", SECANTUS_VERSION,
                    "--locked", "--ignore-rust-version", "--root", str(root)],
                   log, env={**os.environ, "CARGO_TARGET_DIR": str(root / "target")},
                   what="cargo install secantus-mdb", progress=say_cargo_progress)
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.with_name(".ok").unlink(missing_ok=True)
        os.replace(root / "bin" / "secantusd-rs", binary)
        shutil.rmtree(root, ignore_errors=True)
        if not binary_ok(binary):
            raise StackError(f"the SecantusDB build does not run: {binary} --version")
        say(f"SecantusDB {SECANTUS_VERSION}: {binary}")


def say_cargo_progress(output: str, elapsed: float) -> None:
    """One line on a running cargo build: how many crates it has begun, and the latest."""
    crates = re.findall(r"^\s*Compiling (\S+ v\S+)", output, re.MULTILINE)
    done = (f"crates compiled so far: {len(crates)}, last {crates[-1]}"
            if crates else "fetching crates")
    say(f"  cargo, {int(elapsed // 60)}m{int(elapsed % 60):02d}s: {done}")


def need_cmake() -> None:
    """cmake builds the WiredTiger inside SecantusDB; as root, install it."""
    if shutil.which("cmake"):
        return
    if os.geteuid() != 0:
        raise StackError("cmake is not installed; run `sudo apt-get install -y cmake`")
    say("installing cmake from Debian packages (apt-get, first time)...")
    apt_get_install("cmake", LOGS / "install-cmake.log")
    need_tool("cmake", "still not found after apt-get install cmake")


def versitygw_bin() -> Path:
    return CACHE / f"versitygw-{VERSITYGW_VERSION}" / "versitygw"


def install_versitygw() -> None:
    binary = versitygw_bin()
    if binary_ok(binary):
        return
    with file_lock(binary.parent.with_suffix(".lock"), "versitygw build"):
        if binary_ok(binary):
            return
        go = need_tool("go", "Go 1.24+ is needed to build versitygw")
        say(f"building versitygw {VERSITYGW_VERSION} with go (first time, a few minutes)...")
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.with_name(".ok").unlink(missing_ok=True)
        run_logged([go, "install", f"-ldflags=-X main.Version={VERSITYGW_VERSION}",
                    f"{VERSITYGW_PKG}@{VERSITYGW_VERSION}"],
                   LOGS / "install-versitygw.log", cwd=binary.parent,
                   env={**go_env(), "GOBIN": str(binary.parent)},
                   what="go install (versitygw)")
        if not binary_ok(binary):
            raise StackError(f"the versitygw build does not run: {binary} --version")


def install_for(parts: list[Part]) -> None:
    """Run the installs of the parts that are not running, side by side (a
    cold machine spends minutes here compiling Go, and SecantusDB's Rust for
    longer). A running part is never touched: replacing the jars under a live
    Kafka would break it."""
    jobs = [p.install for p in parts if p.install and p.pid() is None]
    if not jobs:
        return
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
    errors = [f.exception() for f in futures if f.exception()]
    if errors:
        for err in errors[1:]:
            say(f"error: {err}")
        raise errors[0]


def find_nginx() -> str | None:
    # /usr/sbin is often missing from a non-root PATH.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def apt_get_install(package: str, log: Path) -> None:
    """apt-get install one Debian package (as root); a fresh machine has no
    package lists yet, so a failure runs apt-get update and retries once."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    try:
        run_logged(install, log, env=env, what=f"apt-get install {package}")
    except StackError:
        say("apt-get install failed; running apt-get update and retrying")
        run_logged(["apt-get", "update"], log, env=env, what="apt-get update")
        run_logged(install, log, env=env, what=f"apt-get install {package}")


def install_nginx() -> str:
    nginx = find_nginx()
    if nginx:
        return nginx
    if os.geteuid() != 0:
        raise StackError("nginx is not installed; run `sudo apt-get install -y nginx-light`")
    say("installing nginx from Debian packages (apt-get, first time)...")
    log = LOGS / "install-nginx.log"
    try:
        apt_get_install("nginx-light", log)
    except StackError:
        say("no nginx-light package (newer Debian); installing nginx")
        apt_get_install("nginx", log)
    nginx = find_nginx()
    if not nginx:
        raise StackError("nginx still not found after apt-get install")
    return nginx


CHROMIUM = "/usr/bin/chromium"


def install_chromium() -> str:
    """Debian's Chromium for the portal's browser tests (Playwright drives it; it downloads nothing)."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.geteuid() != 0:
        raise StackError("Chromium is not installed; run `sudo apt-get install -y chromium`")
    say("installing Chromium from Debian packages for the browser tests (apt-get, first time)...")
    apt_get_install("chromium", LOGS / "install-chromium.log")
    if not os.path.exists(CHROMIUM):
        raise StackError(f"{CHROMIUM} still missing after apt-get install chromium")
    return CHROMIUM


# The portal's PDFs (WeasyPrint): Pango and HarfBuzz lay out the text, Noto covers Latin, Bengali
# (fonts-noto-core) and Chinese (fonts-noto-cjk); poppler-utils' pdftoppm lets the tests look at a page.
PDF_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-core",
                "fonts-noto-cjk", "poppler-utils")


def missing_debian_packages(packages: tuple[str, ...]) -> list[str]:
    """The packages dpkg does not know as installed (one dpkg-query call; fast when all are there)."""
    if not shutil.which("dpkg-query"):
        return []  # not a Debian system: nothing we can check or install this way
    result = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *packages],
                            capture_output=True, text=True)
    installed = {line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")}
    return [package for package in packages if package not in installed]


def install_pdf_libraries(required: bool = True) -> None:
    """What the portal needs to make PDFs, from Debian packages, only those missing. Not ``required``
    (starting the stack), a user who cannot install them is warned: the pages work, the PDFs answer 503."""
    missing = missing_debian_packages(PDF_PACKAGES)
    if not missing:
        return
    if os.geteuid() != 0:
        advice = f"the portal's PDFs need Debian packages; run `sudo apt-get install -y {' '.join(missing)}`"
        if not required:
            say(f"warning: {advice}")
            return
        raise StackError(advice)
    say(f"installing {', '.join(missing)} from Debian packages for the portal's PDFs (apt-get, first time)...")
    for package in missing:
        apt_get_install(package, LOGS / "install-pdf-libraries.log")
    still = missing_debian_packages(PDF_PACKAGES)
    if still:
        raise StackError(f"still missing after apt-get install: {', '.join(still)}")


def python_packages() -> list[Path]:
    """shared/ and the service dirs that exist (others are warned about)."""
    dirs = [REPO / "shared", REPO / "client", REPO / "tools" / "cli"] + [REPO / "services" / s.name for s in SERVICES]
    present = []
    for d in dirs:
        if (d / "pyproject.toml").exists():
            present.append(d)
        else:
            say(f"warning: {rel(d)}/pyproject.toml not found; skipping it")
    return present


def python_env() -> None:
    """Create .venv if missing; pip install -e everything, but only when
    constraints.txt or a pyproject.toml changed since the last install."""
    if VENV_PY.exists() and subprocess.call([str(VENV_PY), "-c", ""]) != 0:
        say(f"{rel(VENV)} is broken (python does not run); recreating it")
        shutil.rmtree(VENV)
    if not VENV_PY.exists():
        say(f"creating {rel(VENV)} with {sys.executable} -m venv")
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    packages = python_packages()
    constraints = REPO / "constraints.txt"
    dev_requirements = REPO / "requirements-dev.txt"
    digest = hashlib.sha256(sys.version.encode())
    for path in [f for f in (constraints, dev_requirements) if f.exists()] + \
            [p / "pyproject.toml" for p in packages]:
        digest.update(rel(path).encode() + b"\0" + path.read_bytes() + b"\0")
    stamp = VENV / ".stack-deps.sha256"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        say("python env: up to date")
        return
    if not packages:
        say("python env: nothing to install yet")
        return
    argv = [str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check"]
    if constraints.exists():
        argv += ["-c", rel(constraints)]
    else:
        say("warning: constraints.txt not found; installing unconstrained")
    if dev_requirements.exists():
        argv += ["-r", rel(dev_requirements)]
    for p in packages:
        argv += ["-e", rel(p)]
    log = LOGS / "python-env.log"
    say(f"python env: pip install ({len(packages)} packages; log: {rel(log)})...")
    run_logged(argv, log, cwd=REPO, what="pip install")
    stamp.write_text(digest.hexdigest())
    say("python env: installed")
