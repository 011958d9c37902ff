"""How well texts are understood (issue 18), on the labelled corpus in
tests/smsconv/corpus/: precision and recall per intent, category accuracy and coverage,
where-extraction accuracy, per language, and how many chat texts would change state.

By default the held-out third (``heldout.tsv``, never used while writing the rules) is
measured; ``--part dev`` measures the part the rules were written against.

    .venv/bin/python benchmarks/sms_understanding.py [--part heldout|dev|all] [--errors]

Definitions:
- intent precision / recall: per intent, over every text of the part.
- category coverage: share of requests and offers (with a labelled category) whose
  category was determined without asking; category accuracy: among those, share whose
  first category is one of the labelled ones.
- where accuracy: over requests and offers, a place was found when the label has one (the
  label contained in what was found, or the other way round, accents and case ignored),
  and none was found when the label has none.
- state changes from chat: texts labelled group / thanks / question / other that the
  command grammar reads as DONE / LEAVE / NO / CANCEL *and* the conversation layer would
  apply as the command (``meaning.strict`` with no codes of the person's): must be 0.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "smsconv" / "corpus"
sys.path.insert(0, str(ROOT))

from mutualaid.sms import commands as c  # noqa: E402
from mutualaid.sms import meaning, understand  # noqa: E402

CHAT = ("group", "thanks", "question", "other")


@dataclass(frozen=True)
class Row:
    lang: str
    intent: str
    categories: tuple[str, ...]
    where: str | None
    when: str | None
    text: str


def load(part: str) -> list[Row]:
    files = {"heldout": ["heldout.tsv"], "dev": ["dev.tsv"], "all": ["dev.tsv", "heldout.tsv"]}
    rows: list[Row] = []
    for name in files[part]:
        with (CORPUS / name).open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows.append(
                    Row(
                        r["lang"],
                        r["intent"],
                        tuple(k for k in r["categories"].split(",") if k and k != "-"),
                        None if r["where"] == "-" else r["where"],
                        None if r["when"] == "-" else r["when"],
                        r["text"],
                    )
                )
    return rows


def _where_ok(label: str | None, found: str | None) -> bool:
    if label is None or found is None:
        return label is None and found is None
    a, b = understand.fold(label), understand.fold(found)
    return bool(a and b) and (a in b or b in a)


def measure(rows: list[Row]) -> dict:
    """Every figure for these rows (a dict, so the test can assert on it)."""
    truth: Counter[str] = Counter()
    said: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    covered = correct = with_category = 0
    where_ok = where_n = when_ok = when_n = 0
    state_changes: list[str] = []
    errors: list[str] = []
    for row in rows:
        reading = understand.read(row.text)
        truth[row.intent] += 1
        said[reading.intent] += 1
        if reading.intent == row.intent:
            hit[row.intent] += 1
        else:
            errors.append(f"intent {row.intent} -> {reading.intent}: {row.text}")
        if row.intent in ("request", "offer") and row.categories:
            with_category += 1
            if reading.categories:
                covered += 1
                if reading.categories[0] in row.categories:
                    correct += 1
                else:
                    errors.append(f"category {row.categories} -> {reading.categories}: {row.text}")
        if row.intent in ("request", "offer"):
            where_n += 1
            if _where_ok(row.where, reading.where):
                where_ok += 1
            else:
                errors.append(f"where {row.where} -> {reading.where}: {row.text}")
        if row.when:
            when_n += 1
            when_ok += reading.when == row.when
        if row.intent in CHAT:
            cmd = c.parse(row.text)
            if cmd.kind in meaning.STATE_CHANGES and meaning.strict(cmd, set()):
                state_changes.append(row.text)
    intents = sorted(set(truth) | set(said))
    return {
        "texts": len(rows),
        "precision": {k: hit[k] / said[k] if said[k] else 0.0 for k in intents},
        "recall": {k: hit[k] / truth[k] if truth[k] else 0.0 for k in intents},
        "support": dict(truth),
        "category_coverage": covered / with_category if with_category else 0.0,
        "category_accuracy": correct / covered if covered else 0.0,
        "where_accuracy": where_ok / where_n if where_n else 0.0,
        "when_accuracy": when_ok / when_n if when_n else 0.0,
        "state_changes_from_chat": state_changes,
        "errors": errors,
    }


TARGETS = {
    "request recall": ("recall", "request", 0.9),
    "request precision": ("precision", "request", 0.9),
    "offer recall": ("recall", "offer", 0.8),
}


def report(name: str, m: dict) -> None:
    print(f"\n== {name}: {m['texts']} texts")
    print(f"{'intent':10} {'precision':>9} {'recall':>7} {'texts':>6}")
    for k in sorted(m["support"]):
        print(f"{k:10} {m['precision'][k]:9.2f} {m['recall'][k]:7.2f} {m['support'][k]:6d}")
    print(
        f"category accuracy {m['category_accuracy']:.2f}, coverage {m['category_coverage']:.2f}; "
        f"where accuracy {m['where_accuracy']:.2f}; when accuracy {m['when_accuracy']:.2f}; "
        f"state changes from chat {len(m['state_changes_from_chat'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("heldout", "dev", "all"), default="heldout")
    parser.add_argument("--errors", action="store_true", help="list the misread texts")
    args = parser.parse_args()
    rows = load(args.part)
    overall = measure(rows)
    report(f"{args.part}, both languages", overall)
    for lang in ("en", "es"):
        report(f"{args.part}, {lang}", measure([r for r in rows if r.lang == lang]))
    if args.errors:
        print("\n".join(["", *overall["errors"], *overall["state_changes_from_chat"]]))


if __name__ == "__main__":
    main()
