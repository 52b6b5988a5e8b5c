#!/usr/bin/env bash
# The schema check itself: docs/report.schema.json is a valid draft 2020-12
# schema, the documents dfota prints follow it, tests/schema/validate.py
# rejects broken ones, and tests/cli/lib.sh fails a test whose --json run
# printed a document that does not follow it.
# usage: tests/schema/test_schema.sh DFOTA SOURCE_DIR
set -uo pipefail

dfota=$1
src=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/dfota-schema.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset SOURCE_DATE_EPOCH

# shellcheck source=../cli/lib.sh
. "$src/tests/cli/lib.sh"

schema="$src/docs/report.schema.json"
validate=(python3 "$src/tests/schema/validate.py" "$schema")
old="$src/samples/BC25R01A03.bin"
new="$src/samples/BC25R01A04.bin"
pkg="$work/P.bin"

# accepted NAME FILE [--as CMD]: validate.py takes it; rejected NAME FILE [--as CMD]: it does not.
accepted() {
    local name=$1 file=$2
    shift 2
    "${validate[@]}" "$@" "$file" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "$name: accepted" 0
}
rejected() {
    local name=$1 file=$2
    shift 2
    "${validate[@]}" "$@" "$file" >"$work/stdout" 2>"$work/stderr"
    rc=$?
    check "$name: rejected" 1 stdout '1 invalid'
}

# --- the schema is a schema, and a broken one is refused ---
python3 -c 'import json, sys; from jsonschema import Draft202012Validator as V
V.check_schema(json.load(open(sys.argv[1])))' "$schema" >"$work/stdout" 2>"$work/stderr"
rc=$?
check "report.schema.json is a valid draft 2020-12 schema" 0
assert "it says it is draft 2020-12" jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema" and (."$defs" | has("check") and has("package") and has("patch") and has("verification") and has("release"))' "$schema"
echo '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": 5}' >"$work/bad-schema.json"
echo '{}' >"$work/empty.json"
python3 "$src/tests/schema/validate.py" "$work/bad-schema.json" "$work/empty.json" >"$work/stdout" 2>&1
rc=$?
check "an invalid schema is refused" 2 stdout 'not a valid JSON Schema'

# --- real documents follow it ---
"$schema_real_dfota" pack --old "$old" --new "$new" --from-version BC25R01A03 --to-version BC25R01A04 \
    -o "$pkg" -q </dev/null || { echo "FAIL: pack"; exit 1; }
"$schema_real_dfota" verify --json --old "$old" --new "$new" "$pkg" >"$work/verify.json" </dev/null
"$schema_real_dfota" inspect --json "$pkg" >"$work/inspect.json" </dev/null
"$schema_real_dfota" apply --json --old "$old" "$pkg" -o "$work/new.bin" -q >"$work/apply.json" </dev/null
"$schema_real_dfota" verify --json "$work/missing.bin" >"$work/io.json" 2>/dev/null </dev/null
"$schema_real_dfota" verify --json --bogus "$pkg" >"$work/usage.json" 2>/dev/null </dev/null
"$schema_real_dfota" keygen --alg rsa2048 -o "$work/keys" --passout pass:Schema-2024 -q </dev/null ||
    { echo "FAIL: keygen"; exit 1; }
"$schema_real_dfota" release --old "$old" --new "$new" --key "$work/keys/private.pem" \
    --passin pass:Schema-2024 -o "$work/rel" --json -q >"$work/release.json" </dev/null
"$schema_real_dfota" release --old "$old" --new "$new" --key "$work/keys/private.pem" \
    --passin pass:Wrong-2024 -o "$work/rel-fail" --json -q >"$work/release_fail.json" \
    2>/dev/null </dev/null
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); i = d.find(b"BC25R01A03")
d[i:i + 10] = b"BC25R01A02"; open(sys.argv[2], "wb").write(d)' "$old" "$work/A02.bin"
"$schema_real_dfota" release --old "$old" --old "$work/A02.bin" --new "$new" \
    --key "$work/keys/private.pem" --passin pass:Schema-2024 -o "$work/batch" -q </dev/null
cp "$work/batch/BC25R01A04.report.json" "$work/batch.json"
"$schema_real_dfota" diff --json "$old" "$new" -o "$work/d.patch" >"$work/diff.json" </dev/null
"$schema_real_dfota" pack --json --full "$new" -o "$work/F.bin" >"$work/pack.json" </dev/null
"$schema_real_dfota" zip --json "$pkg" >"$work/zip.json" </dev/null
"$schema_real_dfota" sign --json --key "$work/keys/private.pem" --passin pass:Schema-2024 \
    "$work/P.zip" >"$work/sign.json" </dev/null
"$schema_real_dfota" keygen --json --alg ecdsa-secp256k1 -o "$work/keys2" --passout pass:Schema-2024 \
    >"$work/keygen.json" </dev/null
"$schema_real_dfota" keygen --json --alg ecdsa-secp256k1 -o "$work/keys2" --passout pass:Schema-2024 \
    >"$work/keygen_fail.json" 2>/dev/null </dev/null
for d in verify inspect apply io usage release release_fail batch diff pack zip sign keygen keygen_fail; do
    accepted "dfota's $d document" "$work/$d.json"
done
assert "the release documents are what they should be" jq -se '.[0].ok and (.[0].pairs | length) == 1 and (.[1].ok | not) and .[1].error.status == "BAD_PASSPHRASE" and (.[2].pairs | length) == 2' "$work/release.json" "$work/release_fail.json" "$work/batch.json"
assert "the usage error is a JSON document too" jq -e '.ok == false and .error.status == "INVALID_ARGUMENT"' "$work/usage.json"

# --- broken documents are rejected ---
# mutate NAME BASE JQ: BASE's document edited by JQ must be rejected; all of
# them are validated in one run below, each must be named as invalid.
mkdir "$work/mutants"
mutants=()
mutant_names=()
add_mutant() {
    mutants+=("$2")
    mutant_names+=("$1")
}
mutate() {
    local file="$work/mutants/${#mutants[@]}.json"
    jq "$3" "$work/$2.json" >"$file" || { rc=99; fail "$1: jq"; return; }
    add_mutant "$1" "$file"
}
mutate "checks as an object" verify '.checks = {"header": true}'
mutate "no schema_version" verify 'del(.schema_version)'
mutate "schema_version 2" verify '.schema_version = 2'
mutate "a path as the file name" verify '.file.name = "/home/ci/P.bin"'
mutate "seven checks" verify '.checks |= .[0:7]'
mutate "checks out of order" verify '.checks |= reverse'
mutate "a result that is no result" verify '.checks[0].result = "ok"'
mutate "a failed check with status OK" verify '.checks[4].result = "failed"'
mutate "ok false without an error" verify '.ok = false'
mutate "ok true with an error" verify '.error = {"status": "IO", "code": 3, "message": "x", "module_error": null}'
mutate "a member the schema does not know" verify '.extra = 1'
mutate "the envelope out of order" verify '{command: .command} + .'
mutate "a passed signature without a key" verify '.signature = {"scheme": "RSA2048+SHA256", "result": "passed", "key_sha256": null}'
mutate "a signature result that is no result" verify '.signature = {"scheme": "RSA2048+SHA256", "result": "skipped", "key_sha256": null}'
mutate "a key path" verify '.signature = {"scheme": "RSA2048+SHA256", "result": "not checked", "key_sha256": "keys/public.pem"}'
mutate "a first failure with status OK" verify '.first_failure = {"check": "zip", "status": "OK"}'
mutate "a package without its target" verify 'del(.package.target)'
mutate "a patch without its layout" verify 'del(.patch.layout)'
mutate "a codec the schema does not know" verify '.patch.codec = "lzma"'
mutate "an md5 that is no md5" inspect '.package.target.md5 = "xyz"'
mutate "inspect without checks" inspect 'del(.checks)'
mutate "a delta package without source" inspect '.package.source = null'
mutate "apply without outputs" apply 'del(.outputs)'
mutate "an output named by its path" apply '.outputs[0].name = "out/new.bin"'
mutate "a command the schema does not know" apply '.command = "flash"'
mutate "a release without pairs" release 'del(.pairs)'
mutate "a successful release with no pair" release '.pairs = []'
mutate "a failed release with pairs" release '.ok = false | .error = {"status": "IO", "code": 3, "message": "x", "module_error": null}'
mutate "a release pair with two files" release '.pairs[0].files |= .[0:2]'
mutate "release files out of order" release '.pairs[0].files |= reverse'
mutate "a release file named by its path" batch '.pairs[1].files[0].name = "out/A.bin"'
mutate "a release file with seven checks" release '.pairs[0].files[2].checks |= .[0:7]'
mutate "a release without the layout of its patch" batch 'del(.pairs[0].patch.layout)'
mutate "a release key named by its path" release '.signature.key_sha256 = "keys/private.pem"'
mutate "an old image without its version" release 'del(.pairs[0].old_image.version)'
mutate "a version read from the image without its offset" release '.pairs[0].version_source.from_offset = null'
mutate "a release member the schema does not know" release '.pairs[0].extra = 1'
mutate "a failed release without its error" release_fail '.error = null'
mutate "diff without its patch header" diff 'del(.patch)'
mutate "diff with a third input" diff '.inputs += [.inputs[0]]'
mutate "an input named by its path" diff '.inputs[0].name = "samples/BC25R01A03.bin"'
mutate "an output with a member it does not have" diff '.outputs[0].mode = 420'
mutate "a full package with a patch" pack '.patch = {}'
mutate "zip without its entry" zip '.entry = null'
mutate "sign with a signature not checked" sign '.signature.result = "not checked"'
mutate "keygen outputs swapped" keygen '.outputs |= reverse'
mutate "keygen with an unknown scheme" keygen '.key.scheme = "DSA"'
mutate "a failure with outputs" keygen_fail '.outputs = [{"name": "private.pem", "size": 1, "sha256": ("0" * 64)}]'
mutate "a success without outputs" diff '.outputs = []'
sed 's/^  "ok": true,$/  "ok": true,\n  "ok": true,/' "$work/verify.json" >"$work/mutants/dup.json"
add_mutant "a duplicate member" "$work/mutants/dup.json"
cat "$work/verify.json" "$work/verify.json" >"$work/mutants/two.json"
add_mutant "two documents" "$work/mutants/two.json"
echo "result ok" >"$work/mutants/text.json"
add_mutant "text" "$work/mutants/text.json"
printf '{"schema_version": 1, "command": "verify", "dfota_version": "0.6.0", "ok": true, "error": null, "file": "\xff"}' >"$work/mutants/utf8.json"
add_mutant "bytes that are not UTF-8" "$work/mutants/utf8.json"
"${validate[@]}" "${mutants[@]}" >"$work/mutants.out" 2>&1
rc=$?
cp "$work/mutants.out" "$work/stdout"
: >"$work/stderr"
check "every broken document is rejected" 1 stdout "${#mutants[@]} invalid\$"
for i in "${!mutants[@]}"; do
    if grep -qF "${mutants[$i]}: " "$work/mutants.out"; then ok; else fail "${mutant_names[$i]}: rejected"; fi
done
rejected "a verify document as an inspect one" "$work/verify.json" --as inspect

# --- what tests/cli/lib.sh keeps: the command, the exit status, pending commands ---
caps="$work/caps"
mkdir "$caps"
cp "$work/inspect.json" "$caps/doc.a.json"; echo "verify --json P.bin" >"$caps/doc.a.command"; echo 0 >"$caps/doc.a.rc"
"${validate[@]}" --captures "$caps" >"$work/stdout" 2>&1
rc=$?
check "a document of another command than the one run" 1 stdout '"command" is "inspect", but the command run was verify'
rm -f "$caps"/*
: >"$caps/doc.b.json"; echo "verify --json P.bin" >"$caps/doc.b.command"; echo 0 >"$caps/doc.b.rc"
"${validate[@]}" --captures "$caps" >"$work/stdout" 2>&1
rc=$?
check "a --json run that printed nothing" 1 stdout 'empty: a --json run must print one JSON object'
echo 143 >"$caps/doc.b.rc"
"${validate[@]}" --captures "$caps" >"$work/stdout" 2>&1
rc=$?
check "a --json run killed before it printed anything" 0 stdout '0 document\(s\) checked'
"${validate[@]}" --pending release --as release "$work/verify.json" >"$work/stdout" 2>&1
rc=$?
check "a pending command's invalid document is counted, not failed" 0 stdout '1 of pending command\(s\) release not checked'
"${validate[@]}" --pending verify "$work/verify.json" >"$work/stdout" 2>&1
rc=$?
check "a pending command whose document validates must leave the list" 1 stdout 'still listed as pending'
"${validate[@]}" --pending release --as release "$work/empty.json" "$work/mutants/utf8.json" >"$work/stdout" 2>&1
rc=$?
check "a pending command's output that is not JSON still fails" 1 stdout 'not UTF-8'

# --- tests/cli/lib.sh end to end, with stand-ins for dfota ---
# Each stand-in script prints what a broken or a good dfota would; a test
# sourcing lib.sh with it must fail or pass accordingly.
mkdir "$work/fake"
cat >"$work/fake/bad" <<'FAKE'
#!/bin/sh
echo "checks: all ok"
FAKE
cat >"$work/fake/good" <<FAKE
#!/bin/sh
cat '$work/verify.json'
exit 0
FAKE
cat >"$work/fake/exit5" <<FAKE
#!/bin/sh
read -r line
cat '$work/verify.json'
echo "\$line" >&2
exit 5
FAKE
cat >"$work/fake/release" <<'FAKE'
#!/bin/sh
# writes a report that is not one into -o DIR
mkdir -p "$3" && echo '{"ok": true}' >"$3/X.report.json"
FAKE
chmod +x "$work/fake/"*
# lib_test NAME FAKE BODY: a test script that sources lib.sh with dfota=FAKE and runs BODY.
lib_test() {
    cat >"$work/t.sh" <<SCRIPT
set -uo pipefail
dfota='$work/fake/$2'
work=\$(mktemp -d '$work/inner.XXXXXX')
trap 'rm -rf "\$work"; echo trap-ran >>"$work/trap.log"' EXIT
. '$src/tests/cli/lib.sh'
$3
SCRIPT
    : >"$work/trap.log"
    bash "$work/t.sh" >"$work/stdout" 2>"$work/stderr"
    rc=$?
}
lib_test "bad" bad 'run verify --json x; summary'
check "lib.sh: a --json run that printed text fails the test" 1 \
    stdout '^FAIL: JSON documents follow docs/report.schema.json' stdout 'schema: dfota verify --json x: not one JSON document'
assert "lib.sh: the script's own EXIT trap still ran" grep -q trap-ran "$work/trap.log"
lib_test "bad, no summary" bad 'run verify --json x; exit 0'
check "lib.sh: without summary the EXIT trap fails the test" 1 stdout '^FAIL: JSON documents that do not follow'
lib_test "bad after summary" good 'run verify --json x; summary; dfota=$work/.dfota-json-capture; "$dfota" inspect --json y >"$work/late.json"'
check "lib.sh: a document made after summary is checked at exit" 1 stdout 'the command run was inspect'
lib_test "good" good 'run verify --json x; run verify x; summary'
check "lib.sh: a valid document passes" 0 stdout '^validate.py: 1 document\(s\) checked' stdout '^1 passed, 0 failed$'
lib_test "pipe" good 'out=$("$dfota" verify --json x | jq -r .command); [ "$out" = verify ] && ok; summary'
check "lib.sh: a --json run into a pipe is kept and passed through" 0 stdout '^validate.py: 1 document'
lib_test "exit status and stdin" exit5 'echo from-stdin | "$dfota" verify --json x >"$work/o" 2>"$work/e"; rc=$?; [ $rc -eq 5 ] && grep -q from-stdin "$work/e" && cmp -s "$work/o" '"'$work/verify.json'"' && ok; summary'
check "lib.sh: the wrapper keeps stdin, stdout and the exit status" 0 stdout '^2 passed, 0 failed$'
lib_test "release report" release 'schema_pending=(); run release -o "$work/rel"; summary'
check "lib.sh: a report that release wrote into -o DIR is checked" 1 stdout 'X.report.json: does not start with schema_version'
lib_test "old report" release 'mkdir "$work/rel2"; echo "not json" >"$work/rel2/old.report.json"; run release -o "$work/rel2"; schema_pending=(release); summary'
check "lib.sh: a file that was there before the release is not a report of it" 0 stdout '1 of pending command\(s\) release not checked'

summary
