"""python -m bench.duplicates [--seed N] [--errors N]: precision and recall of duplicate pairs, new rule vs old."""

from __future__ import annotations

import argparse
from collections import Counter

from bench.duplicates import TARGET, measure
from bench.duplicates.dataset import true_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=None, help="another labelled set (default: the committed seed)")
    parser.add_argument("--errors", type=int, default=0, help="print this many missed and wrong pairs of the new rule")
    args = parser.parse_args()
    records, results, proposed = measure(*([args.seed] if args.seed is not None else []))
    truth = true_pairs(records)
    kinds = Counter(record.kind for record in records)
    print(f"labelled set: {len(records)} records of {len({r.site for r in records})} sites in "
          f"{len({r.country for r in records})} countries, {len(truth)} true duplicate pairs; "
          + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
    print(f"\n{'rule':<26}{'proposed':>9}{'correct':>9}{'precision':>11}{'recall':>8}{'seconds':>9}")
    for quality in results:
        print(f"{quality.rule:<26}{quality.proposed:>9}{quality.true_positives:>9}{quality.precision:>11.3f}"
              f"{quality.recall:>8.3f}{quality.seconds:>9.2f}")
    new = results[0]
    met = new.precision >= TARGET and new.recall >= TARGET
    print(f"\ntarget: precision and recall >= {TARGET}: {'met' if met else 'MISSED'}")
    if args.errors:
        by_id = {record.record_id: record for record in records}
        pairs = proposed[new.rule]
        for title, wrong in (("missed", sorted(truth - pairs)), ("proposed wrongly", sorted(pairs - truth))):
            print(f"\n{title} ({len(wrong)}):")
            for a, b in wrong[: args.errors]:
                for record in (by_id[a], by_id[b]):
                    print(f"  {record.kind:<20} {record.name} | {record.city} | {record.address} | {record.coordinates}"
                          f" | {record.identifiers or ''}")
                print()


if __name__ == "__main__":
    main()
