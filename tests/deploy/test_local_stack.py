"""The local stack runner (deploy/local/runner) without servers: its topology holds together, the
gateway's config routes every prefix, the services' environment, the state files, the command line."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.local.runner import cli, environment, gateway, settings, supervise, topology
from deploy.local.runner.topology import GATEWAY, SERVERS, SERVICES, Service

REPO = Path(__file__).resolve().parents[2]
CHOSEN = {name: 20000 + index for index, name in enumerate([*(s.name for s in SERVERS), *(s.name for s in SERVICES),
                                                             GATEWAY])}


def test_every_port_and_its_variable_is_unique() -> None:
    declared = [port for server in SERVERS for port in (server.port, *server.extra_ports)]
    declared += [service.port for service in SERVICES] + [topology.GATEWAY_PORT]
    assert len({port.default for port in declared}) == len(declared)
    assert len({port.variable for port in declared}) == len(declared)
    names = [*(s.name for s in SERVERS), *(s.name for s in SERVICES), GATEWAY]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_each_service_is_a_folder_whose_package_has_the_app(service: Service) -> None:
    module, _, attribute = service.app.partition(":")
    package = module.split(".")[0]
    assert attribute == "app" and package == service.name.replace("-", "_")
    assert (REPO / "services" / service.name / "src" / Path(*module.split("."))).with_suffix(".py").is_file()


def test_every_service_has_its_own_gateway_prefix_and_one_has_the_root() -> None:
    prefixes = [service.prefix for service in SERVICES]
    assert len(set(prefixes)) == len(prefixes)
    assert all(prefix.startswith("/") and prefix.endswith("/") for prefix in prefixes)
    assert prefixes.count("/") == 1, "the portal's pages at the gateway's root"
    assert topology.LOGIN_ROUTE[1] in {service.name for service in SERVICES}
    assert topology.LOGIN_ROUTE[0].startswith(topology.service(topology.LOGIN_ROUTE[1]).prefix)


def test_the_start_order_respects_every_dependency() -> None:
    waves = topology.start_order()
    position = {name: index for index, wave in enumerate(waves) for name in wave}
    assert sorted(position) == sorted([*(s.name for s in SERVICES), GATEWAY]), "each part once"
    for service in SERVICES:
        assert all(position[other] < position[service.name] for other in service.after), service.name
    # The gateway after every service that does not wait for it: the ones it routes to are up.
    assert all(position[s.name] < position[GATEWAY] for s in SERVICES if GATEWAY not in s.after)
    assert waves == [["access-control"], ["factory-registry", "audit-service", "cap-service", "evidence-store",
                                          "notifier"], [GATEWAY], ["portal"]]


def test_the_start_order_refuses_an_unknown_part_and_a_cycle() -> None:
    with pytest.raises(ValueError, match="unknown"):
        topology.start_order((Service("a", "a.main:app", 1, "/a/", after=("nobody",)),))
    with pytest.raises(ValueError, match="cycle"):
        topology.start_order((Service("a", "a.main:app", 1, "/a/", after=("b",)),
                              Service("b", "b.main:app", 2, "/b/", after=("a",))))
    # Waiting for the gateway, through another service, puts it after the gateway.
    waves = topology.start_order((Service("a", "a.main:app", 1, "/a/"), Service("b", "b.main:app", 2, "/", after=(GATEWAY,)),
                                  Service("c", "c.main:app", 3, "/c/", after=("b",))))
    assert waves == [["a"], [GATEWAY], ["b"], ["c"]]


def _blocks(config: str) -> tuple[dict[str, str], dict[str, str]]:
    upstreams = dict(re.findall(r"upstream (\S+) \{\s*server ([\d.:]+);", config))
    locations = dict(re.findall(r"location (?:= )?(\S+) \{[^}]*?proxy_pass http://([\w-]+);", config))
    return upstreams, locations


def test_the_gateway_config_routes_every_prefix_to_its_service_at_its_port(tmp_path: Path) -> None:
    config = gateway.render_config(tmp_path / "nginx.conf", tmp_path, CHOSEN).read_text()
    upstreams, locations = _blocks(config)
    assert upstreams == {service.name: f"{topology.HOST}:{CHOSEN[service.name]}" for service in SERVICES}
    login_path, login_target = topology.LOGIN_ROUTE
    assert locations == {**{service.prefix: service.name for service in SERVICES}, login_path: login_target}
    assert set(locations.values()) <= set(upstreams), "every route targets a known service"
    assert f"listen {topology.HOST}:{CHOSEN[GATEWAY]}" in config
    assert not re.search(r"@[A-Z_]+@", config), "every placeholder filled"


def test_the_services_environment_names_the_servers_and_each_other_at_the_chosen_ports() -> None:
    env = environment.service_env(CHOSEN, external_servers=False)
    host = topology.HOST
    assert env["KAFKA_BOOTSTRAP"] == f"{host}:{CHOSEN['kafka']}"
    assert env["MONGO_URL"] == f"mongodb://{host}:{CHOSEN['secantusdb']}/?directConnection=true"
    assert env["S3_ENDPOINT"] == f"{host}:{CHOSEN['s3']}"
    assert env["JWKS_URL"] == f"http://{host}:{CHOSEN['access-control']}/access/.well-known/jwks.json"
    assert env["PORTAL_GATEWAY_URL"] == env["PORTAL_URL"] == f"http://{host}:{CHOSEN[GATEWAY]}"
    assert env["KAFKA_PORT"] == str(CHOSEN["kafka"]) and env["GATEWAY_PORT"] == str(CHOSEN[GATEWAY])
    metrics = dict(item.split("=", 1) for item in env["PORTAL_SERVICE_METRICS"].split(","))
    assert metrics == {s.name: f"http://{host}:{CHOSEN[s.name]}/metrics" for s in SERVICES if s.name != "portal"}
    assert all(isinstance(value, str) and "{" not in value for value in env.values())
    assert "SERVICE_PORT" not in env, "each service's own, added when it starts"


def test_external_servers_come_from_the_callers_environment_and_nothing_else_does() -> None:
    caller = {"KAFKA_BOOTSTRAP": "broker:9092", "MONGO_URL": "mongodb://db:27017", "JWKS_URL": "http://elsewhere"}
    env = environment.service_env(CHOSEN, external_servers=True, environ=caller)
    assert env["KAFKA_BOOTSTRAP"] == "broker:9092" and env["MONGO_URL"] == "mongodb://db:27017"
    assert env["S3_ENDPOINT"] == f"{topology.HOST}:{CHOSEN['s3']}", "not named by the caller: the local one"
    assert env["JWKS_URL"].endswith("/access/.well-known/jwks.json") and "elsewhere" not in env["JWKS_URL"]


def test_a_port_variable_overrides_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = topology.service("cap-service")
    monkeypatch.setenv("CAP_SERVICE_PORT", "9103")
    assert settings.port(cap.port) == 9103 and settings.ports()["cap-service"] == 9103
    monkeypatch.setenv("CAP_SERVICE_PORT", " ")
    assert settings.port(cap.port) == cap.default_port


def test_the_state_directory_is_the_repos_dot_stack_unless_the_environment_names_another(tmp_path: Path) -> None:
    assert settings.state_dir({}) == settings.state_dir({"STACK_STATE_DIR": " "}) == REPO / ".stack"
    assert settings.state_dir({"STACK_STATE_DIR": str(tmp_path / "second")}) == tmp_path / "second"
    relative = settings.state_dir({"STACK_STATE_DIR": "second"})
    assert relative.is_absolute() and relative == Path.cwd().resolve() / "second"


def test_another_state_directory_holds_all_the_state_and_shares_the_venv_and_the_caches(tmp_path: Path) -> None:
    # A fresh interpreter: the settings are read from the environment once, at import.
    state = tmp_path / "second"
    shown = subprocess.run(
        [sys.executable, "-c", "from deploy.local.runner import settings as s, gateway, servers, supervise\n"
         "import json\n"
         "print(json.dumps({'state': [str(p) for p in (s.STACK, s.LOGS, s.RUN, s.DATA, s.CONF)],"
         " 'shared': [str(p) for p in (s.VENV, s.VENV_LOCK, s.CACHE)],"
         " 'parts': [str(p) for part in (*servers.server_parts(), gateway.gateway_part())"
         " for p in (part.log, part.pidfile)], 'argv': gateway.gateway_part().argv}))"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "STACK_STATE_DIR": str(state)})
    assert shown.returncode == 0, shown.stderr
    paths = json.loads(shown.stdout)
    assert paths["state"] == [str(state), *(str(state / name) for name in ("logs", "run", "data", "conf"))]
    assert all(path.startswith(f"{state}/") for path in paths["parts"])
    assert str(state / "nginx") in paths["argv"]
    assert paths["shared"][:2] == [str(REPO / ".venv"), str(REPO / ".venv.lock")]
    assert not paths["shared"][2].startswith(str(state))
    assert not state.exists(), "nothing is written by reading the settings"


def test_a_part_is_running_only_while_its_recorded_pid_has_its_recorded_start_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # .stack/run/<part>.json as every version of the runner writes it: pid, start time, port, argv.
    monkeypatch.setattr(supervise, "RUN", tmp_path)
    part = supervise.Part("portal", 8107, ["true"], ready=lambda: False)
    assert part.pid() is None and part.recorded_port() == 8107
    start = supervise.proc_start_time(os.getpid())
    part.pidfile.write_text(json.dumps({"pid": os.getpid(), "start": start, "port": 9107, "argv": ["x"]}))
    assert part.pid() == os.getpid() and part.recorded_port() == 9107
    part.pidfile.write_text(json.dumps({"pid": os.getpid(), "start": "1", "port": 9107, "argv": ["x"]}))
    assert part.pid() is None, "a recycled pid is not ours"


@pytest.mark.parametrize(("argv", "expected"), [
    (["status"], {"command": "status"}),
    (["up", "--seed"], {"command": "up", "seed": True}),
    (["up"], {"command": "up", "seed": False}),
    (["logs"], {"command": "logs", "name": None, "follow": False, "lines": 50}),
    (["logs", "portal", "-f", "-n", "100"], {"command": "logs", "name": "portal", "follow": True, "lines": 100}),
    (["restart", "cap-service"], {"command": "restart", "name": "cap-service"}),
    (["kill", "notifier"], {"command": "kill", "name": "notifier"}),
    (["stop", "kafka"], {"command": "stop", "name": "kafka"}),
    (["start", "kafka"], {"command": "start", "name": "kafka"}),
])
def test_the_command_line_parses_every_verb(argv: list[str], expected: dict) -> None:
    args = vars(cli.parser().parse_args(argv))
    assert {key: args[key] for key in expected} == expected
    assert args["command"] in cli.COMMANDS


def test_the_command_line_refuses_a_missing_name_and_an_unknown_verb(capsys: pytest.CaptureFixture) -> None:
    for argv in (["restart"], ["jump"], []):
        with pytest.raises(SystemExit):
            cli.parser().parse_args(argv)
    capsys.readouterr()
    assert set(cli.COMMANDS) == {"servers-up", "servers-down", "python-env", "browser", "up", "down", "status",
                                 "logs", "restart", "stop", "start", "kill"}


def test_the_help_names_every_port_variable() -> None:
    text = cli.parser().format_help()
    for server in SERVERS:
        assert f"{server.port.variable}={server.port.default}" in text
    for service in SERVICES:
        assert f"{service.port.variable}={service.default_port}" in text


def test_stack_py_is_the_entry_script_and_still_a_module_for_the_tests_that_load_it(tmp_path: Path) -> None:
    script = REPO / "deploy" / "local" / "stack.py"
    shown = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert all(verb in shown.stdout for verb in cli.COMMANDS)
    spec = importlib.util.spec_from_file_location("local_stack_entry", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [row[0] for row in module.service_table()] == [service.name for service in SERVICES]
    assert "KAFKA_BOOTSTRAP" in module.service_env()


def test_up_starts_the_servers_then_each_wave_of_the_start_order(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture) -> None:
    calls: list[object] = []

    def fake_part(name: str) -> supervise.Part:
        return supervise.Part(name, 1, ["true"], ready=lambda: False)

    monkeypatch.setattr(cli, "file_lock", lambda *args: contextlib.nullcontext())
    monkeypatch.setattr(cli, "EXTERNAL_SERVERS", False)
    monkeypatch.setattr(cli, "cmd_servers_up", lambda *args: calls.append("servers"))
    monkeypatch.setattr(cli, "cmd_python_env", lambda *args: calls.append("python-env"))
    monkeypatch.setattr(cli, "install_pdf_libraries", lambda **kwargs: calls.append("pdf"))
    monkeypatch.setattr(cli, "service_parts", lambda: [fake_part(service.name) for service in SERVICES])
    monkeypatch.setattr(cli, "gateway_part", lambda: fake_part(GATEWAY))
    monkeypatch.setattr(cli, "check_services_present", lambda: calls.append("present"))
    monkeypatch.setattr(cli, "start_and_wait", lambda parts: calls.append([part.name for part in parts]))
    monkeypatch.setattr(cli, "seed", lambda: calls.append("seed"))
    assert cli.main(["up", "--seed"]) == 0
    assert calls == ["servers", "python-env", "pdf", "present", *topology.start_order(), "seed"]
    printed = capsys.readouterr().out
    assert all(f"{service.prefix}docs" in printed for service in SERVICES if service.prefix != "/")


def test_status_prints_one_line_per_part_in_the_stacks_order(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(cli, "server_parts", lambda: [supervise.Part(s.name, 1, [], ready=bool) for s in SERVERS])
    monkeypatch.setattr(cli, "service_parts", lambda: [supervise.Part(s.name, 2, [], ready=bool) for s in SERVICES])
    monkeypatch.setattr(cli, "gateway_part", lambda: supervise.Part(GATEWAY, 3, [], ready=bool))
    monkeypatch.setattr(cli, "state", lambda part: (None, part.port, "down"))
    assert cli.main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "PID", "PORT", "STATE"]
    assert [line.split()[0] for line in lines[1:]] == [*(s.name for s in SERVERS), *(s.name for s in SERVICES), GATEWAY]


def test_an_unknown_part_is_an_error_naming_the_parts(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(cli, "all_parts", lambda: [supervise.Part("kafka", 1, [], ready=bool)])
    assert cli.main(["restart", "nobody"]) == 1
    assert "unknown part 'nobody' (one of: kafka)" in capsys.readouterr().err


def test_the_runner_needs_only_the_standard_library() -> None:
    # stack.py runs with the system python3 before .venv exists.
    import ast

    imported = set()
    for path in (REPO / "deploy" / "local" / "runner").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert sorted(imported - sys.stdlib_module_names - {"__future__"}) == []


def test_another_instance_moves_every_port_the_stack_has_and_the_smtp_port(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.stack import SMTP_PORT, another_instance_ports

    declared = [port for server in SERVERS for port in (server.port, *server.extra_ports)]
    declared += [service.port for service in SERVICES] + [topology.GATEWAY_PORT, SMTP_PORT]
    for port in declared:
        monkeypatch.delenv(port.variable, raising=False)
    moved = another_instance_ports(100)
    assert moved == {port.variable: port.default + 100 for port in declared}
    assert moved["KAFKA_CONTROLLER_PORT"] == 19193 and moved["GATEWAY_PORT"] == 8180
    assert not set(moved.values()) & {port.default for port in declared}, "no port of the first instance"
    monkeypatch.setenv("GATEWAY_PORT", "9080")  # the running stack moved: the second moves with it
    assert another_instance_ports(100)["GATEWAY_PORT"] == 9180
