"""The servers as parts: Kafka (KRaft, one JVM), SecantusDB (MongoDB's protocol), versitygw (S3).

Their names and ports are in topology.py (SERVERS); how each is installed, configured and probed is here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .common import StackError, render, run_logged, say
from .installs import install_kafka, install_secantus, install_versitygw, kafka_home, secantus_bin, versitygw_bin
from .probes import http_ready, kafka_ready, mongo_ready
from .settings import (CONF, DATA, HERE, KAFKA_CONTROLLER_PORT, KAFKA_PORT, LOGS, MONGO_PORT, S3_ACCESS_KEY,
                       S3_PORT, S3_REGION, S3_SECRET_KEY, SECANTUS_CACHE_SIZE)
from .supervise import Part
from .topology import HOST


def kafka_part() -> Part:
    conf = CONF / "kafka" / "server.properties"
    data = DATA / "kafka"
    java = shutil.which("java") or "java"
    heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xms256m -Xmx768m").split()
    jvm = [java, *heap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
           "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
           f"-Dlog4j2.configurationFile={HERE / 'kafka' / 'log4j2.properties'}",
           "-cp", str(kafka_home() / "libs" / "*")]

    def prepare() -> None:
        render(HERE / "kafka" / "server.properties", conf, {
            "KAFKA_PORT": str(KAFKA_PORT),
            "KAFKA_CONTROLLER_PORT": str(KAFKA_CONTROLLER_PORT),
            "KAFKA_DATA_DIR": str(data),
        })
        if (data / "meta.properties").exists():
            return
        # Format the storage once per data dir. With
        # controller.quorum.bootstrap.servers (dynamic quorum) the single
        # node must be formatted --standalone; -g makes a repeat harmless.
        say("kafka: formatting storage (first start of this state directory)")
        data.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(jvm + ["kafka.tools.StorageTool", "random-uuid"],
                             capture_output=True, text=True)
        cluster_id = out.stdout.strip().splitlines()[-1] if out.returncode == 0 else ""
        if not cluster_id:
            raise StackError(f"kafka StorageTool random-uuid failed:\n{out.stdout}{out.stderr}")
        run_logged(jvm + ["kafka.tools.StorageTool", "format", "--standalone", "-g",
                          "-t", cluster_id, "-c", str(conf)],
                   LOGS / "kafka-format.log", what="kafka storage format")

    return Part("kafka", KAFKA_PORT, jvm + ["kafka.Kafka", str(conf)],
                ready=lambda: kafka_ready(KAFKA_PORT), install=install_kafka, prepare=prepare,
                start_timeout=120, stop_timeout=20,
                extra_ports=(KAFKA_CONTROLLER_PORT,))


def secantus_part() -> Part:
    data = DATA / "secantus"
    # An empty config of our own: without --config it would read a secantusd.toml found in
    # the working or home directory (auth, TLS) under these flags.
    config = CONF / "secantusd.toml"
    argv = [str(secantus_bin()), "--config", str(config), "--host", HOST, "--port", str(MONGO_PORT),
            "--storage-path", str(data), "--cache-size", SECANTUS_CACHE_SIZE]

    def prepare() -> None:
        data.mkdir(parents=True, exist_ok=True)
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("# Settings come from deploy/local/stack.py's command line.\n")

    return Part("secantusdb", MONGO_PORT, argv, ready=lambda: mongo_ready(MONGO_PORT),
                install=install_secantus, prepare=prepare, start_timeout=30, stop_timeout=10)


def xattrs_supported(directory: Path) -> bool:
    """versitygw's posix backend stores object metadata in user xattrs."""
    probe = directory / ".xattr-probe"
    try:
        probe.touch()
        os.setxattr(probe, "user.stack-probe", b"1")
        return os.getxattr(probe, "user.stack-probe") == b"1"
    except OSError:
        return False
    finally:
        probe.unlink(missing_ok=True)


def s3_part() -> Part:
    root = DATA / "s3"
    sidecar = DATA / "s3-meta"  # outside root, or it would show up as a bucket
    # Root credentials via the environment, not argv (argv shows in `ps`).
    env = {**os.environ, "ROOT_ACCESS_KEY": S3_ACCESS_KEY, "ROOT_SECRET_KEY": S3_SECRET_KEY}
    for name in ("LOGFILE", "WEBHOOK"):  # env names versitygw would pick up
        env.pop(name, None)
    argv = [str(versitygw_bin()), "--port", f"{HOST}:{S3_PORT}", "--region", S3_REGION,
            "--health", "/health", "--quiet",
            "--access-log", str(LOGS / "s3-access.log"), "posix"]
    part = Part("s3", S3_PORT, argv, env=env,
                ready=http_ready(f"http://{HOST}:{S3_PORT}/health"),
                install=install_versitygw, start_timeout=30, stop_timeout=5)

    def prepare() -> None:
        root.mkdir(parents=True, exist_ok=True)
        if xattrs_supported(root):
            part.argv.append(str(root))
        else:
            say("s3: no user xattrs on this file system; metadata in a sidecar dir")
            sidecar.mkdir(parents=True, exist_ok=True)
            part.argv += ["--sidecar", str(sidecar), str(root)]

    part.prepare = prepare
    return part


def server_parts() -> list[Part]:
    return [kafka_part(), secantus_part(), s3_part()]
