#!/usr/bin/env python3
"""Writes docs/conformance.md: every server-side statement (role S or V) of the checklist (all
sections, 1-16), per protocol version, with the test methods named after it, or the reason it is
not applicable to this broker.

A test covers a statement when its name carries the version prefix and the statement id with dots
and hyphens as underscores, followed by an underscore and a lower-case word:
    v311_MQTT_3_1_2_2_unsupportedLevel...   covers 3.1.1 [MQTT-3.1.2-2]
    v5_MQTT_3_1_2_2_...                     covers 5.0   [MQTT-3.1.2-2]
A statement without an id ("no ID §3.1.2.11.3") is covered by a test named after its section:
    v5_S3_1_2_11_3_receiveMaximum0...       covers the 5.0 no-ID line of section 3.1.2.11.3
A line marked "both" is two statements, one per version; each is covered only by tests of its
version. Client-only lines (role C) are left out. Tests prefixed v31_ (MQTT 3.1, which has no
statement ids) are listed separately.

A statement no test can check on this broker is marked in docs/conformance-not-applicable.txt,
one line per statement and version:
    5.0 | MQTT-4.6.0-1 | reason
    5.0 | §3.1.2.10 | reason                 (a no-ID line, by one of its sections)
    both | MQTT-7.0.0-1 | reason             (both versions of a "both" line)
Blank lines and lines starting with # are ignored. The table shows "not applicable: <reason>"
for it. A note naming no statement, or a statement that a test covers, is an error (the
script exits 1 and writes nothing): a statement the broker can be tested for is not marked.

usage: tools/conformance-table.py [CHECKLIST] [--check]
  CHECKLIST defaults to docs/spec/mqtt-server-checklist.md in the repository.
  --check   do not write; exit 1 if docs/conformance.md is not what this script would write
            (or if docs/conformance-not-applicable.txt has an error).
Python 3 standard library only.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
CHECK = "--check" in sys.argv[1:]
CHECKLIST = os.path.abspath(args[0]) if args else os.path.normpath(
    os.path.join(ROOT, "docs", "spec", "mqtt-server-checklist.md"))
OUTPUT = os.path.join(ROOT, "docs", "conformance.md")
TEST_ROOT = os.path.join(ROOT, "broker", "src", "test", "java")
NOTES = os.path.join(ROOT, "docs", "conformance-not-applicable.txt")
SECTIONS = list(range(1, 17))
VERSIONS = {"3.1.1": "v311", "5.0": "v5"}
ID = r"MQTT-[0-9][0-9.\-]*[0-9]"


def find_tests():
    """(Class, method) of every test method whose name starts with v31_, v311_ or v5_."""
    found = []
    for base, _, files in sorted(os.walk(TEST_ROOT)):
        for f in sorted(files):
            if not f.endswith(".java"):
                continue
            text = open(os.path.join(base, f), encoding="utf-8").read()
            # test methods only carry these prefixes (helpers are named otherwise)
            for m in re.finditer(r"\bvoid\s+(v(?:31|311|5)_\w+)\s*\(", text):
                found.append((f[:-5], m.group(1)))
    return found


def norm(text):
    return re.sub(r"[.\-]", "_", text)


def parse_checklist():
    """Statements: dicts with section, version, role, ids, sections (for no-ID lines), text."""
    statements = []
    titles = {}
    section = None
    for line in open(CHECKLIST, encoding="utf-8"):
        h = re.match(r"## (\d+)\. (.*)", line)
        if h:
            section = int(h.group(1))
            titles[section] = h.group(2).strip()
            continue
        m = re.match(r"- \[[ xX]\] \*\*(both|3\.1\.1|5\.0)\*\* · ([SVC]) · (.*?) — (?!\(in a neighbouring)(.*)", line)
        if not m or section not in SECTIONS or m.group(2) == "C":
            continue
        scope, role, ids_text, text = m.groups()
        versions = ["3.1.1", "5.0"] if scope == "both" else [scope]
        per_version = {}
        if "no ID" in ids_text:
            # "§2.2.3 (3.1.1) / 1.5.5, 2.1.4 (5.0)" or "§3.12 / 3.13" (both versions)
            refs = {v: [] for v in versions}
            for part in ids_text.split("§", 1)[1].split("/"):
                tag = re.search(r"\((3\.1\.1|5\.0)\)", part)
                nums = re.findall(r"\d+(?:\.\d+)+", re.sub(r"\((3\.1\.1|5\.0)\)", "", part))
                for v in ([tag.group(1)] if tag else versions):
                    if v in refs:
                        refs[v] += nums
            for v in versions:
                per_version[v] = ([], refs[v])
        elif scope == "both":
            part311, _, part5 = ids_text.partition("· 5.0:")
            per_version["3.1.1"] = (re.findall(ID, part311), [])
            per_version["5.0"] = (re.findall(ID, part5), [])
        else:
            per_version[scope] = (re.findall(ID, ids_text), [])
        for v in versions:
            ids, secs = per_version[v]
            if not ids and not secs:
                continue  # "—": folded into a neighbouring line for this version
            statements.append({"section": section, "version": v, "role": role, "ids": ids,
                               "sections": secs, "text": text.strip()})
    return statements, titles


def covers(test_name, statement):
    prefix = VERSIONS[statement["version"]] + "_"
    if not test_name.startswith(prefix):
        return False
    rest = test_name[len(prefix):]
    for i in statement["ids"]:
        if re.match("MQTT_" + norm(i[len("MQTT-"):]) + "_[a-z]", rest):
            return True
    for s in statement["sections"]:
        if re.match("S" + norm(s) + "_[a-z]", rest):
            return True
    return False


def parse_notes():
    """(line number, versions, key, reason) of every not-applicable note; key is an id or a section."""
    notes = []
    if not os.path.exists(NOTES):
        return notes
    for n, line in enumerate(open(NOTES, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) != 3 or parts[0] not in ("3.1.1", "5.0", "both") or not parts[2]:
            sys.exit(f"{NOTES}:{n}: expected 'VERSION | ID-or-§SECTION | reason', got: {line}")
        versions = ["3.1.1", "5.0"] if parts[0] == "both" else [parts[0]]
        notes.append((n, versions, parts[1], parts[2]))
    return notes


def noted(statement, key):
    if key.startswith("§"):
        return key[1:] in statement["sections"]
    return key in statement["ids"]


def label(statement):
    if statement["ids"]:
        return ", ".join(statement["ids"])
    return "no ID §" + " / ".join(statement["sections"])


def cell(text, limit=140):
    text = text.replace("|", "/")
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def render():
    tests = find_tests()
    statements, titles = parse_checklist()
    used = set()
    for s in statements:
        s["tests"] = [f"{c}.{n}" for c, n in tests if covers(n, s)]
        s["na"] = None
        used.update(s["tests"])
    errors = []
    for n, versions, key, reason in parse_notes():
        for v in versions:
            hits = [s for s in statements if s["version"] == v and noted(s, key)]
            if not hits:
                errors.append(f"{NOTES}:{n}: no {v} server statement {key}")
            for s in hits:
                if s["tests"]:
                    errors.append(f"{NOTES}:{n}: {v} {key} is covered by {', '.join(s['tests'])}; "
                                  "remove the note")
                s["na"] = reason
    if errors:
        sys.exit("\n".join(errors))
    total = len(statements)
    covered = sum(1 for s in statements if s["tests"])
    na = sum(1 for s in statements if s["na"])

    def counts(rs):
        return (sum(1 for s in rs if s["tests"]), sum(1 for s in rs if s["na"]),
                sum(1 for s in rs if not s["tests"] and not s["na"]), len(rs))

    out = ["# Conformance: specification statements and the tests that check them", "",
           "Generated by `tools/conformance-table.py` (do not edit by hand) from the checklist",
           "`docs/spec/mqtt-server-checklist.md` and the test method names in `broker/src/test/java`.",
           "All sections (1-16); server statements only (role S: the broker does it; V: the broker",
           "validates it). A checklist line marked *both* is counted as two statements, one per version,",
           "and a statement counts as covered only by a test of its own version (`v311_MQTT_...`, `v5_MQTT_...`;",
           "no-ID lines by section, `v5_S3_1_2_11_3_...`). Covered means a test is *named* after the statement;",
           "it says nothing about tests that check the behaviour under another name. A statement that no test",
           "can check on this broker is *not applicable*, with the reason given in",
           "`docs/conformance-not-applicable.txt`.", "",
           f"**Overall: {covered} of {total} statements covered ({100 * covered // max(total, 1)}%), "
           f"{na} not applicable, {total - covered - na} open.**", ""]
    for v in ("3.1.1", "5.0"):
        c, n, o, t = counts([s for s in statements if s["version"] == v])
        out.append(f"- {v}: {c} covered, {n} not applicable, {o} open (of {t})")
    out += ["", "Each cell: covered / not applicable / open / total.", "",
            "| section | 3.1.1 | 5.0 | all |", "|---|---|---|---|"]
    for sec in SECTIONS:
        row = [f"{sec}. {cell(titles.get(sec, ''), 60)}"]
        for v in ("3.1.1", "5.0", None):
            rs = [s for s in statements if s["section"] == sec and (v is None or s["version"] == v)]
            row.append("%d / %d / %d / %d" % counts(rs))
        out.append("| " + " | ".join(row) + " |")

    out += ["", "## Statements and tests", "",
            "| § | version | role | statement | tests |", "|---|---|---|---|---|"]
    for s in statements:
        if s["tests"]:
            tests_cell = "<br>".join(f"`{t}`" for t in s["tests"])
        elif s["na"]:
            tests_cell = "not applicable: " + s["na"].replace("|", "/")
        else:
            tests_cell = "**none**"
        out.append(f"| {s['section']} | {s['version']} | {s['role']} | {label(s)}: {cell(s['text'])} | {tests_cell} |")

    out += ["", "## Open", "",
            f"{total - covered - na} statements have no test named after them and no not-applicable note:", ""]
    for sec in SECTIONS:
        missing = [s for s in statements if s["section"] == sec and not s["tests"] and not s["na"]]
        if missing:
            out.append(f"- **{sec}. {cell(titles.get(sec, ''), 60)}**: "
                       + "; ".join(f"{s['version']} {label(s)}" for s in missing))

    v31 = [f"{c}.{n}" for c, n in tests if n.startswith("v31_")]
    other = [f"{c}.{n}" for c, n in tests if not n.startswith("v31_") and f"{c}.{n}" not in used]
    out += ["", "## MQTT 3.1 tests", "",
            "MQTT 3.1 has no statement ids; these tests check it directly:", ""]
    out += [f"- `{t}`" for t in v31] or ["- none"]
    out += ["", "## Version-named tests outside this table", "",
            "Named for a version but not matching a server statement of the table (client-only lines,",
            "a statement of the other version, or a name without an id):", ""]
    out += [f"- `{t}`" for t in other] or ["- none"]
    summary = f"{covered} of {total} statements covered, {na} not applicable, {total - covered - na} open"
    return "\n".join(out) + "\n", summary


def main():
    if not os.path.isfile(CHECKLIST):
        sys.exit(f"checklist not found: {CHECKLIST} (pass its path as the first argument)")
    text, summary = render()
    if CHECK:
        current = open(OUTPUT, encoding="utf-8").read() if os.path.exists(OUTPUT) else ""
        if current != text:
            sys.exit("docs/conformance.md is out of date: run tools/conformance-table.py")
        print(f"docs/conformance.md is up to date: {summary}")
        return
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"docs/conformance.md: {summary}")


if __name__ == "__main__":
    main()
