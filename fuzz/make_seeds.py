#!/usr/bin/env python3
"""Builds the raw seed inputs for the fuzz targets from the project's own test data and rules.

Writes fuzz/corpus-raw/<target>/ (git-ignored). The committed fuzz/corpus/<target>/ is that set
minimised with libFuzzer's -merge=1 (docs/fuzzing.md), so this script is only needed to rebuild
the seeds after the test data changes. Every source is under tests/data/ or rules/ (licences in
tests/data; fuzz/corpus/README.md lists them).
"""
import csv
import hashlib
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = ROOT / "fuzz" / "corpus-raw"

# Order of the log formats in src/ingest/formats.cpp (kind log, with a reader): the first byte of
# a fuzz_log_readers input picks one; any larger value lets detection choose.
LOG_FORMATS = ["exchange", "pmta", "kumomta", "postfix", "exim", "sendmail", "haraka", "json", "csv"]
DETECT = 0xFF


def put(target, data, name=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    (d / name).write_bytes(data)


def head_lines(data, n):
    return b"".join(data.splitlines(keepends=True)[:n])


def replies():
    with open(DATA / "catalog" / "isp-rejections.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            code = " ".join(x for x in (row["smtp_code"], row["enhanced_code"]) if x)
            put("reply", f"{code} {row['text']}".strip())
    with open(DATA / "catalog" / "variants.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            put("reply", row["reply"])


def rule_files():
    # Small inputs only: every input that loads is compiled into a vectorscan database, so the
    # replay test stays quick when the seeds are single blocks and small files.
    rules = ROOT / "rules"
    providers = (rules / "providers.toml").read_text()
    dnsbl = (rules / "dnsbl.toml").read_text()
    files = [p for p in sorted(rules.glob("*.toml")) if p.name != "triage.toml"]  # thresholds
    for p in files:
        if p.stat().st_size <= 4096:
            put("rule_loader", p.read_bytes(), p.stem)
        # Each [[rule]] / [[provider]] / [[list]] block on its own.
        for block in re.split(r"\n(?=\[\[)", p.read_text()):
            if block.startswith("[["):
                put("rule_loader", block)
    # Alone, a provider's rules name providers defined elsewhere: the smallest provider file
    # behind providers.toml and dnsbl.toml loads whole and reaches compilation.
    smallest = min((p for p in files if p.name[:2].isdigit()), key=lambda p: p.stat().st_size)
    put("rule_loader", providers + "\n" + dnsbl + "\n" + smallest.read_text(), "with-providers-" + smallest.stem)


def logs():
    for p in sorted((DATA / "logs").iterdir()):
        data = head_lines(p.read_bytes(), 40)
        for i, fmt in enumerate(LOG_FORMATS):
            if fmt in p.name or (fmt == "json" and p.name == "events.jsonl") or (
                    fmt == "csv" and p.name == "events.csv") or (fmt == "pmta" and p.name.startswith("pmta")):
                put("log_readers", bytes([i]) + data, f"{fmt}-{p.stem}")
        put("log_readers", bytes([DETECT]) + data, f"detect-{p.stem}")
    for p in sorted((DATA / "scenarios").glob("*.log")):
        put("log_readers", bytes([DETECT]) + head_lines(p.read_bytes(), 40), f"detect-scenario-{p.stem}")


def mails():
    for p in sorted((DATA / "corpus" / "sisimai").rglob("*.eml")):
        put("bounce_mail", p.read_bytes())
    for p in sorted((DATA / "audit").glob("*.eml")):
        put("bounce_mail", p.read_bytes())


def spf_records():
    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("SPF", "TXT"):
                    vals = v if isinstance(v, list) else [v]
                    if vals and all(isinstance(x, str) for x in vals):
                        # A multi-string TXT record is read as the strings joined (RFC 7208 3.3).
                        yield "".join(vals)
                else:
                    yield from walk(v)
        elif isinstance(node, list):
            for x in node:
                yield from walk(x)

    for p in sorted((DATA / "testsuites" / "spf-rfc7208").glob("*.yml")):
        with open(p) as f:
            for doc in yaml.safe_load_all(f):
                for rec in walk(doc):
                    put("spf_record", rec)


def authres():
    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("header", "headers", "value"):
                    for h in (v if isinstance(v, list) else [v]):
                        if isinstance(h, str):
                            yield h
                else:
                    yield from walk(v)
        elif isinstance(node, list):
            for x in node:
                yield from walk(x)

    for p in sorted((DATA / "testsuites" / "authres-rfc8601").glob("*.json")):
        for h in walk(json.loads(p.read_text())):
            # The parser takes the field value, after "Authentication-Results:".
            value = re.sub(r"^Authentication-Results:\s*", "", h, flags=re.I)
            put("authres", value)


def dmarc_reports():
    for p in sorted((DATA / "testsuites" / "dmarc-reports").rglob("*")):
        if p.is_file() and p.suffix in (".xml", ".gz", ".zip", ".eml") and p.stat().st_size <= 256 * 1024:
            put("dmarc_report", p.read_bytes())


def main():
    replies()
    rule_files()
    logs()
    mails()
    spf_records()
    authres()
    dmarc_reports()
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    sys.exit(main())
