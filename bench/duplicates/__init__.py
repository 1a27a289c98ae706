"""Duplicate detection measured: precision and recall of the registry's pair decisions on a labelled set.

`python -m bench.duplicates` builds the set (bench/duplicates/dataset.py, seeded), runs the registry's
own rule over it (factory_registry.domain.matching.duplicate_pairs: blocking keys, then the one
scoring function used by registration, the duplicates review and the import) and the old rule
(bench/duplicates/baseline.py) on the same records, and prints both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.duplicates.baseline import baseline_pairs
from bench.duplicates.dataset import SEED, Record, build, true_pairs
from factory_registry.adapters.rules import load_registry_rules
from factory_registry.domain.matching import duplicate_pairs
from factory_registry.domain.model import Factory, SiteDetails

TARGET = 0.95


@dataclass(frozen=True)
class Quality:
    rule: str
    proposed: int
    true_positives: int
    true_pairs: int
    seconds: float

    @property
    def precision(self) -> float:
        return self.true_positives / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0


def as_sites(records: list[Record]) -> list[Factory]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [Factory.register(record.record_id, SiteDetails(**record.details()), "bench", start + timedelta(seconds=n))
            for n, record in enumerate(records)]


def registry_pairs(records: list[Record]) -> set[tuple[str, str]]:
    scan = duplicate_pairs(as_sites(records), load_registry_rules().duplicates, max_scored=10**9)
    return {tuple(sorted((pair.first.id, pair.second.id))) for pair in scan.pairs}


def measure(seed: int = SEED) -> tuple[list[Record], list[Quality], dict[str, set]]:
    """Both rules on the set of ``seed``: their quality, and the pairs each proposed."""
    records = build(seed)
    truth = true_pairs(records)
    results, proposed = [], {}
    for rule, find in (("registry (rules 2026.2)", registry_pairs),
                       ("baseline (rules 2026.1)", lambda r: baseline_pairs([{**x.details(), "record_id": x.record_id}
                                                                            for x in r]))):
        started = time.perf_counter()
        pairs = find(records)
        seconds = time.perf_counter() - started
        proposed[rule] = pairs
        results.append(Quality(rule, len(pairs), len(pairs & truth), len(truth), seconds))
    return records, results, proposed
