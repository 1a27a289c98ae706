"""The bulk import reads JSON Lines in batches, never the whole file at once."""

import json
from pathlib import Path

from shared_audits_cli.bulk_import import count_records, read_batches


def test_records_are_read_in_batches_and_blank_lines_skipped(tmp_path: Path) -> None:
    source = tmp_path / "sites.jsonl"
    source.write_text("".join(json.dumps({"factory_id": f"old-{n}"}) + "\n" + ("\n" if n == 2 else "")
                              for n in range(5)))
    batches = list(read_batches(source, 2))
    assert [[record["factory_id"] for record in batch] for batch in batches] == [
        ["old-0", "old-1"], ["old-2", "old-3"], ["old-4"]]
    assert count_records(source) == 5
