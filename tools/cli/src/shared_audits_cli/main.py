"""``shared-audits``: the operator's and integrator's command line.

Every command takes its addresses and credentials from options or the
environment (GATEWAY_URL, KAFKA_BOOTSTRAP, CLIENT_ID, CLIENT_SECRET), with the
local stack's defaults.
"""

from __future__ import annotations

import asyncio
import json
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from shared_audits.lag import ConsumerLag
from shared_audits_cli import asyncapi, bulk_import, portability, record_verification
from shared_audits_cli.dead_letters import replay_dead_letters
from shared_audits_client import portability as member_export
from shared_audits_client.api import ApiError, PlatformClient

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
console = Console(stderr=True, soft_wrap=True)  # long paths and ids stay on one line

SERVICES = ["access-control", "factory-registry", "audit-service", "cap-service", "evidence-store", "notifier"]
REPO_DOCS = Path(__file__).resolve().parents[4] / "docs" / "asyncapi"

Gateway = Annotated[str, typer.Option(envvar="GATEWAY_URL", help="the platform's gateway")]
Bootstrap = Annotated[str, typer.Option(envvar="KAFKA_BOOTSTRAP", help="Kafka bootstrap servers")]
ClientId = Annotated[str, typer.Option(envvar="CLIENT_ID", help="your organisation's client id")]
ClientSecret = Annotated[str, typer.Option(envvar="CLIENT_SECRET", help="its client secret", hide_input=True)]
DEFAULT_GATEWAY = "http://127.0.0.1:8080"
DEFAULT_BOOTSTRAP = "127.0.0.1:19092"


def _progress(*more_columns) -> Progress:
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), *more_columns,
        console=console,
        transient=not sys.stderr.isatty(),
    )


def _login(gateway: str, client_id: str, client_secret: str) -> PlatformClient:
    try:
        return PlatformClient.login(gateway, client_id, client_secret)
    except ApiError as error:
        console.print(f"[red]login refused[/red]: {error.problem.get('detail', error)}")
        raise typer.Exit(1) from error


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option(help="the archive to write (a .zip), or a directory with --unpacked")],
    client_id: ClientId,
    client_secret: ClientSecret,
    gateway: Gateway = DEFAULT_GATEWAY,
    unpacked: Annotated[bool, typer.Option(
        help="write the archive's files into the directory OUT instead of one zip")] = False,
) -> None:
    """Export everything your organisation may see: one zip of JSON, CSV, CAP records and evidence files.

    The format: docs/member-export.md. The portal gives the same archive (GET /api/export.zip).
    """
    client = _login(gateway, client_id, client_secret)
    archive = out.with_name(out.name + ".zip") if unpacked else out
    try:
        with _progress() as progress:
            task = progress.add_task("factories", total=None)
            progress.update(task, total=len(client.factories()))
            size = member_export.write_archive(client, archive, lambda _: progress.advance(task))
    finally:
        client.close()
    document = member_export.read_archive(archive).document
    if unpacked:
        with zipfile.ZipFile(archive) as files:
            files.extractall(out)  # our own names: records/<id>.json, evidence/<id>/<safe name>, tables
        archive.unlink()
    counts = document["manifest"]["counts"]
    console.print(
        f"exported {counts['factories']} factories, {counts['audits']} audits, {counts['caps']} CAPs, "
        f"{counts['evidence']} evidence files, {counts['inbox']} notifications to {out} ({size} bytes)"
    )


@app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="an export archive (.zip), an unpacked one, or its export.json")],
    client_id: ClientId,
    client_secret: ClientSecret,
    gateway: Gateway = DEFAULT_GATEWAY,
    operator_client_id: Annotated[str | None, typer.Option(
        envvar="OPERATOR_CLIENT_ID", help="this instance's operator: import the sites into its registry")] = None,
    operator_client_secret: Annotated[str | None, typer.Option(
        envvar="OPERATOR_CLIENT_SECRET", hide_input=True)] = None,
    keys: Annotated[Path | None, typer.Option(
        help="the exporting platform's public keys (JWKS), trusted instead of the records' own")] = None,
) -> None:
    """Import an export into your organisation: verify its records, match its sites, ask to link to them.

    Every CAP record is verified offline first (nothing is imported if one does not hold). Sites are
    matched in this registry (with the operator's credentials: imported, lookalikes held for review).
    Each link opens when its factory accepts the request.
    """
    try:
        archive = member_export.read_archive(source)
        trusted = record_verification.keys_from(json.loads(keys.read_text(encoding="utf-8"))) if keys else None
    except (OSError, ValueError, KeyError) as error:
        console.print(f"[red]cannot import[/red]: {error}")
        raise typer.Exit(2) from error
    client = _login(gateway, client_id, client_secret)
    operator = _login(gateway, operator_client_id, operator_client_secret or "") if operator_client_id else None
    try:
        with _progress() as progress:
            task = progress.add_task("links", total=len(archive.document["links"]))
            result = portability.import_archive(client, archive, operator, trusted,
                                                lambda _: progress.advance(task))
    except portability.RecordsDoNotVerify as error:
        for path, verification in error.failures.items():
            for problem in verification.problems:
                console.print(f"  [red]{path}[/red] {problem.kind}: {problem.message}")
        console.print(f"[red]nothing imported[/red]: {len(error.failures)} CAP record(s) do not verify")
        raise typer.Exit(1) from error
    finally:
        client.close()
        if operator:
            operator.close()
    console.print(f"verified {result.verified_records} CAP records; matched {len(result.matched)} sites "
                  f"({result.imported_sites} new in this registry), held for review {len(result.proposed)}, "
                  f"not found {len(result.not_found)}")
    console.print(f"requested {len(result.requested)} (each opens when its factory accepts), "
                  f"already linked or requested {len(result.already_linked)}, refused {len(result.refused)}")
    for factory_id, candidates in result.proposed.items():
        names = ", ".join(f"{c['factory_id']} ({c['name']})" for c in candidates)
        console.print(f"  [yellow]{factory_id}[/yellow] looks like {names}: the operator reviews it")
    for factory_id in result.not_found:
        console.print(f"  [yellow]{factory_id}[/yellow]: not in this registry; ask its operator to import it")
    for factory_id, reason in result.refused.items():
        console.print(f"  [yellow]{factory_id}[/yellow]: {reason}")
    if result.refused:
        raise typer.Exit(1)


@app.command("import-sites")
def import_sites_command(
    source: Annotated[Path, typer.Argument(help="JSON Lines: one site per line, with its factory_id")],
    client_id: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_ID")] = "operator",
    client_secret: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_SECRET", hide_input=True)] = "dev-operator-secret-change-me",
    batch_size: Annotated[int, typer.Option(min=1, max=1000)] = 500,
    parallel: Annotated[int, typer.Option(min=1, max=16, help="batches in flight")] = 2,
    gateway: Gateway = DEFAULT_GATEWAY,
) -> None:
    """Import production sites in bulk into factory-registry (operator; a re-run skips what is in)."""
    _bulk_import("factories", source, client_id, client_secret, batch_size, parallel, gateway)


@app.command("import-reports")
def import_reports_command(
    source: Annotated[Path, typer.Argument(help="JSON Lines: one audit report per line, with its audit_id")],
    client_id: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_ID")] = "operator",
    client_secret: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_SECRET", hide_input=True)] = "dev-operator-secret-change-me",
    batch_size: Annotated[int, typer.Option(min=1, max=1000)] = 200,
    parallel: Annotated[int, typer.Option(min=1, max=16, help="batches in flight")] = 2,
    gateway: Gateway = DEFAULT_GATEWAY,
) -> None:
    """Import audit reports in bulk into audit-service: rated, counted in the risk analysis (operator)."""
    _bulk_import("reports", source, client_id, client_secret, batch_size, parallel, gateway)


def _bulk_import(kind: str, source: Path, client_id: str, client_secret: str, batch_size: int, parallel: int,
                 gateway: str) -> None:
    try:
        total = bulk_import.count_records(source)
    except OSError as error:
        console.print(f"[red]cannot import[/red]: {error}")
        raise typer.Exit(2) from error
    with _progress(TimeElapsedColumn(), TimeRemainingColumn()) as progress:
        task = progress.add_task(kind, total=total)
        totals = asyncio.run(bulk_import.import_file(
            gateway, client_id, client_secret, kind, source, batch_size, parallel,
            lambda done: progress.advance(task, done),
        ))
    rate = (totals.imported + totals.already_imported) / totals.seconds if totals.seconds else 0
    console.print(f"{kind}: imported {totals.imported}, already there {totals.already_imported}, "
                  f"rejected {len(totals.rejected)} in {totals.seconds:.1f} s ({rate:.0f}/s)")
    for rejected in totals.rejected[:10]:
        console.print(f"  [yellow]{rejected}[/yellow]")
    if totals.rejected:
        raise typer.Exit(1)


@app.command("seed")
def seed_command(
    operator_id: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_ID")] = "operator",
    operator_secret: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_SECRET", hide_input=True)] = "dev-operator-secret-change-me",
    count: Annotated[int, typer.Option(min=1, max=50, help="how many factories to play the story for")] = 1,
    gateway: Gateway = DEFAULT_GATEWAY,
) -> None:
    """Seed demo data: play the walking-skeleton story (site, members, audit, CAP, evidence, decision)."""
    from shared_audits_client.story import assemble_cast, walk_skeleton

    with _progress() as progress:
        task = progress.add_task("demo factories", total=count)
        for _ in range(count):
            cast = assemble_cast(gateway, operator_id, operator_secret)
            try:
                run = walk_skeleton(cast)
            finally:
                cast.close()
            progress.advance(task)
            console.print(f"factory {cast.factory_id}: CAP {run.cap['cap_id']} item accepted")


@app.command("replay-dead-letters")
def replay_command(
    service: Annotated[str, typer.Argument(help="the service whose dead letters to replay")],
    event_type: Annotated[str | None, typer.Option("--type", help="only letters whose original has this type")] = None,
    since: Annotated[datetime | None, typer.Option(help="only letters parked at or after this time (UTC)")] = None,
    dry_run: Annotated[bool, typer.Option(help="show what would be replayed, change nothing")] = False,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
) -> None:
    """Re-publish the parked events of a service to their source topics (once the cause is fixed)."""
    if service not in SERVICES:
        console.print(f"[red]unknown service[/red] {service!r}; one of {', '.join(SERVICES)}")
        raise typer.Exit(2)

    def matches(letter: dict) -> bool:
        if since is not None:
            parked_at = datetime.fromisoformat(letter.get("dead_lettered_at", "1970-01-01T00:00:00+00:00"))
            if parked_at < (since if since.tzinfo else since.replace(tzinfo=UTC)):
                return False
        if event_type is None:
            return True
        try:
            return json.loads(letter["original"]).get("type") == event_type
        except (ValueError, AttributeError):
            return False

    with _progress() as progress:
        task = progress.add_task(f"replaying {service}", total=None)
        report = asyncio.run(
            replay_dead_letters(bootstrap, service, matches=matches, dry_run=dry_run,
                                progress=lambda _: progress.advance(task))
        )
    verb = "would replay" if dry_run else "replayed"
    console.print(f"{verb} {len(report.replayed)} dead letters of {service}; skipped {len(report.skipped)}")
    for letter in report.replayed:
        console.print(f"  {letter['source_topic']}: {letter['reason']}")


@app.command("lag")
def lag_command(
    services: Annotated[list[str] | None, typer.Argument(help="services (consumer groups); all by default")] = None,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
) -> None:
    """Show each service's consumer lag per topic and partition."""
    table = Table("service", "topic", "partition", "committed", "end", "lag")
    total = 0
    for service in services or SERVICES:
        for entry in asyncio.run(ConsumerLag(bootstrap, service, None).by_partition()):
            total += entry.lag
            committed = "-" if entry.committed is None else str(entry.committed)
            table.add_row(service, entry.topic, str(entry.partition), committed, str(entry.end), str(entry.lag))
    Console().print(table)
    console.print(f"total lag: {total}")


@app.command("rotate-keys")
def rotate_keys_command(
    client_id: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_ID")] = "operator",
    client_secret: Annotated[str, typer.Option(envvar="OPERATOR_CLIENT_SECRET", hide_input=True)] = "dev-operator-secret-change-me",
    gateway: Gateway = DEFAULT_GATEWAY,
) -> None:
    """Rotate access-control's token-signing key (old keys stay in the JWKS until their tokens expire)."""
    client = _login(gateway, client_id, client_secret)
    try:
        rotation = [
            path for path, operations in client.openapi("/access").get("paths", {}).items()
            if "rotat" in path and "post" in operations
        ]
        if not rotation:
            # access-control has no rotation endpoint yet (another change adds it): say so, change nothing.
            console.print(
                "[yellow]access-control offers no key-rotation endpoint yet[/yellow]; nothing was changed. "
                "Until it does, see docs/operator-guide.md (rotate signing keys)."
            )
            raise typer.Exit(3)
        result = client.call("POST", rotation[0])
    finally:
        client.close()
    console.print_json(data=result)


@app.command("kafka-member-user")
def kafka_member_user_command(
    member_id: Annotated[str, typer.Argument(help="the member organisation's id")],
    cluster: Annotated[str, typer.Option(help="the Strimzi Kafka cluster")] = "shared-audits",
) -> None:
    """Print the Strimzi KafkaUser that lets a member read only its own feed topic."""
    name = f"member-{member_id}".lower()[:63].rstrip("-")
    user = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaUser",
        "metadata": {"name": name, "labels": {"strimzi.io/cluster": cluster}},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {
                "type": "simple",
                "acls": [
                    {"resource": {"type": "topic", "name": f"ics.feed.{member_id}.v1", "patternType": "literal"},
                     "operations": ["Describe", "Read"]},
                    {"resource": {"type": "group", "name": name, "patternType": "prefix"}, "operations": ["Read"]},
                ],
            },
        },
    }
    typer.echo(yaml.safe_dump(user, sort_keys=False))


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="a CAP's record, as GET /caps/caps/{cap_id}/record exported it")],
    keys: Annotated[Path | None, typer.Option(
        help="the platform's public keys (JWKS from GET /caps/record-keys), trusted instead of the file's")] = None,
    strict: Annotated[bool, typer.Option(
        help="also fail when entries are not yet covered by a signed checkpoint")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON on stdout")] = False,
) -> None:
    """Check a CAP's record offline: the hash chain, the signed checkpoint and its Merkle proof.

    Exit 0: verified; 1: the record was altered (the entry is named); 2: the file cannot be read.
    """
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
        trusted = record_verification.keys_from(json.loads(keys.read_text(encoding="utf-8"))) if keys else None
    except (OSError, ValueError) as error:
        console.print(f"[red]cannot verify[/red]: {error}")
        raise typer.Exit(2) from error
    result = record_verification.verify_record(document, trusted, strict=strict)
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    else:
        _print_verification(result)
    if not result.ok:
        raise typer.Exit(1)


def _print_verification(result: record_verification.Verification) -> None:
    out = Console(soft_wrap=True, highlight=False)
    out.print(f"CAP {result.cap_id}: {result.entries} entries")
    if result.checkpoint:
        checkpoint = result.checkpoint
        out.print(f"checkpoint {checkpoint['sequence']} signed at {checkpoint['signed_at']} by key "
                  f"{checkpoint['kid']}, covering {result.signed_entries} entries")
    for problem in result.problems:
        out.print(f"[red]FAIL[/red] {problem.kind}: {problem.message}")
    for warning in result.warnings:
        out.print(f"[yellow]note[/yellow] {warning.kind}: {warning.message}")
    if result.ok:
        out.print("[green]verified[/green]: every entry is intact, in order and chained"
                  + (", and the signed checkpoint holds" if result.checkpoint else ""))
    else:
        out.print(f"[red]NOT verified[/red]: {len(result.problems)} problem(s)")


@app.command("asyncapi")
def asyncapi_command(
    check: Annotated[bool, typer.Option(help="fail if the committed documents differ from the contracts")] = False,
    out: Annotated[Path, typer.Option(help="where the documents live")] = REPO_DOCS,
) -> None:
    """Write the AsyncAPI documents of every topic from the contracts (or check they are current)."""
    if check:
        problems = asyncapi.drift(out)
        for problem in problems:
            console.print(problem)
        if problems:
            console.print("[red]AsyncAPI documents are stale[/red]: run `shared-audits asyncapi`")
            raise typer.Exit(1)
        console.print(f"AsyncAPI documents in {out} match the contracts")
        return
    for path in asyncapi.write(out):
        console.print(f"wrote {path}")


if __name__ == "__main__":
    app()
