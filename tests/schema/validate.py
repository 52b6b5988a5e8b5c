#!/usr/bin/env python3
"""Validate dfota JSON documents against docs/report.schema.json.

usage: validate.py SCHEMA [--pending CMD]... [--captures DIR] [[--as CMD] FILE]...

Every FILE is one document (a release's *.report.json, or any saved
standard output); after --as CMD, the next FILE must be a document of CMD. --captures DIR reads what tests/cli/lib.sh kept of every
`--json` run: DIR/doc.XXXXXX.json (its standard output), .command (the dfota
command that was run) and .rc (its exit status).

A document is accepted when it is exactly one JSON object (strict UTF-8, no
duplicate member, nothing before or after it), starts with schema_version,
command, dfota_version, ok, error in that order, names the command that
printed it, and validates against the schema (JSON Schema draft 2020-12,
formats checked). The schema itself is checked first (check_schema).

A run killed by a signal (exit status above 128) that printed nothing is not
a document. A command given with --pending does not follow the schema yet:
its invalid documents are counted as pending, not as failures; once one of
them validates, that is a failure too (the --pending entry has outlived its
reason and must go).

Prints one line per problem; exits 0 when every document is accepted, 1
otherwise, 2 on a usage error or an invalid schema.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:  # a missing validator is a failure, never a skip
    sys.stderr.write("validate.py: the Python module jsonschema is missing "
                     "(Debian: apt-get install python3-jsonschema)\n")
    sys.exit(2)

ENVELOPE = ["schema_version", "command", "dfota_version", "ok", "error"]


class DocumentError(Exception):
    pass


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DocumentError("duplicate member %r" % key)
        seen[key] = value
    return seen


def first_keys(pairs_holder):
    """The member names of the outermost object, in order."""
    def hook(pairs):
        pairs_holder.append([k for k, _ in pairs])
        return no_duplicates(pairs)
    return hook


def parse(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError("not UTF-8: %s" % e)
    if text.strip() == "":
        raise DocumentError("empty: a --json run must print one JSON object")
    order = []
    try:
        doc = json.loads(text, object_pairs_hook=first_keys(order))
    except json.JSONDecodeError as e:
        raise DocumentError("not one JSON document: %s" % e)
    if not isinstance(doc, dict):
        raise DocumentError("not a JSON object but a %s" % type(doc).__name__)
    # The outermost object is the last one the hook saw.
    return doc, order[-1]


def envelope_problem(keys):
    if keys[:len(ENVELOPE)] != ENVELOPE:
        return "does not start with %s (starts with %s)" % (
            ", ".join(ENVELOPE), ", ".join(keys[:len(ENVELOPE)]) or "nothing")
    return None


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(document)"
    return "%s: %s" % (where, error.message)


def main(argv):
    args = argv[1:]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    schema_path = args.pop(0)
    pending, captures, files = set(), None, []
    while args:
        a = args.pop(0)
        if a == "--pending" and args:
            pending.add(args.pop(0))
        elif a == "--captures" and args:
            captures = args.pop(0)
        elif a == "--as" and len(args) >= 2:
            files.append((args.pop(1), args.pop(0)))
        elif a.startswith("--"):
            sys.stderr.write("validate.py: unknown option %s\n" % a)
            return 2
        else:
            files.append((a, None))
    with open(schema_path, "rb") as f:
        schema = json.loads(f.read().decode("utf-8"))
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print("%s: not a valid JSON Schema (draft 2020-12): %s" % (schema_path, e.message))
        return 2
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    # (label, bytes, command expected or None, exit status or None)
    documents = []
    for path, command in files:
        with open(path, "rb") as f:
            documents.append((path, f.read(), command, None))
    if captures is not None:
        for path in sorted(glob.glob(os.path.join(captures, "doc.*.json"))):
            stem = path[:-len(".json")]
            with open(path, "rb") as f:
                data = f.read()
            with open(stem + ".command", encoding="utf-8", errors="replace") as f:
                label = f.read().strip()
            command = label.split(" ", 1)[0]
            rc = None
            if os.path.exists(stem + ".rc"):
                with open(stem + ".rc") as f:
                    rc = int(f.read().strip() or "0")
            documents.append(("dfota %s" % label, data, command, rc))

    problems = checked = waiting = 0
    for label, data, command, rc in documents:
        if rc is not None and rc > 128 and data == b"":
            continue  # killed by a signal before it printed anything
        checked += 1
        try:
            doc, keys = parse(data)
        except DocumentError as e:
            # Not even JSON: a failure for every command, pending or not.
            print("%s: %s" % (label, e))
            problems += 1
            continue
        errors = [describe(e) for e in
                  sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))]
        problem = envelope_problem(keys)
        if problem is not None:
            errors.insert(0, problem)
        if command is not None and doc.get("command") != command:
            errors.insert(0, "\"command\" is %s, but the command run was %s"
                          % (json.dumps(doc.get("command")), command))
        name = command if command is not None else doc.get("command")
        if name in pending:
            if errors:
                waiting += 1
            else:
                print("%s: valid, but '%s' is still listed as pending: remove it from the "
                      "pending commands (tests/cli/lib.sh)" % (label, name))
                problems += 1
            continue
        for e in errors[:5]:
            print("%s: %s" % (label, e))
        if errors:
            problems += 1
    summary = "validate.py: %d document(s) checked against %s, %d invalid" % (
        checked, os.path.basename(schema_path), problems)
    if waiting:
        summary += ", %d of pending command(s) %s not checked" % (waiting, ", ".join(sorted(pending)))
    print(summary)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
