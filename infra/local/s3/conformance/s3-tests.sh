#!/usr/bin/env bash
# Runs Ceph's s3-tests (github ceph/s3-tests, s3tests/functional/test_s3.py) against a fresh
# `npm start`, selecting the areas the local S3 server claims, and prints the counts:
#   s3-tests: N passed, N failed, N skipped of N selected
#   expected failures (named in known-failures.txt): N; unexpected failures: N
# then the unexpected failures by name. Exit status 0 when every failure is a named one.
#
#   S3TESTS_DIR=<unpacked ceph/s3-tests> [S3TESTS_PYTHON=<python with boto3 pytest pytest-timeout
#   isodate lxml httplib2 pytz>] npm run s3-tests [-- <extra pytest args, e.g. -k test_multipart>]
#
# Nothing of s3-tests is in this repo; ../shared/notes/s3-tests.md shows how to unpack it and
# build the Python environment offline. The whole selection takes 20-45 min on 2 busy cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
: "${S3TESTS_DIR:?set S3TESTS_DIR to an unpacked ceph/s3-tests checkout (see docs/local-s3.md, Conformance)}"
[ -f "$S3TESTS_DIR/s3tests/functional/test_s3.py" ] || { echo "s3-tests: no s3tests/functional/test_s3.py under $S3TESTS_DIR" >&2; exit 2; }
python=${S3TESTS_PYTHON:-python3}
"$python" -c 'import boto3, pytest, pytest_timeout, isodate, lxml, httplib2, pytz' || { echo "s3-tests: $python lacks boto3 pytest pytest-timeout isodate lxml httplib2 pytz" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-s3-tests.XXXXXX")
stack_pid=
cleanup() { [ -n "$stack_pid" ] && kill -TERM -- "-$stack_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# munch is a 10-line dict wrapper the suite imports; offline pip may not have it.
if ! "$python" -c 'import munch' 2>/dev/null; then
  mkdir -p "$work/py"
  cat > "$work/py/munch.py" <<'PY'
class Munch(dict):
    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(k)
    def __setattr__(self, k, v):
        self[k] = v
    def __delattr__(self, k):
        del self[k]
PY
  export PYTHONPATH="$work/py${PYTHONPATH:+:$PYTHONPATH}"
fi

# s3-tests' main, alt and tenant users are three users of the server besides the stack's own
# (which owns the stack's buckets): main starts with no buckets, as the suite expects.
secret() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
main_secret=$(secret) alt_secret=$(secret) tenant_secret=$(secret)
users=$(cat <<JSON
[{"accessKey":"s3tests-main","secretKey":"$main_secret","id":"testid","displayName":"M. Tester","email":"tester@example.com"},
 {"accessKey":"s3tests-alt","secretKey":"$alt_secret","id":"56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234","displayName":"john.doe","email":"john.doe@example.com"},
 {"accessKey":"s3tests-tenant","secretKey":"$tenant_secret","id":"testx\$9876543210abcdef0123456789abcdef0123456789abcdef0123456789abcdef","displayName":"testx\$tenanteduser","email":"tenanteduser@example.com"}]
JSON
)

# A fresh stack: empty data dir, any free ports, its own process group (so it stops whole).
mkdir -p "$work/data"
( cd "$repo" && STRATA_S3_PORT=0 STRATA_HTTP_PORT=0 STRATA_DATA_DIR="$work/data" STRATA_S3_USERS="$users" exec setsid npm start >"$work/stack.log" 2>&1 ) &
stack_pid=$!
for _ in $(seq 1 180); do
  grep -q '^S3 endpoint: ' "$work/stack.log" 2>/dev/null && break
  kill -0 "$stack_pid" 2>/dev/null || { cat "$work/stack.log" >&2; exit 2; }
  sleep 1
done
port=$(sed -n 's#^S3 endpoint: http://127\.0\.0\.1:\([0-9]*\)$#\1#p' "$work/stack.log")
[ -n "$port" ] || { echo "s3-tests: the stack did not start" >&2; cat "$work/stack.log" >&2; exit 2; }
sed -e "s/@PORT@/$port/" -e "s/@MAIN_SECRET@/$main_secret/g" -e "s/@ALT_SECRET@/$alt_secret/g" -e "s/@TENANT_SECRET@/$tenant_secret/g" \
  "$here/s3tests.conf.in" >"$work/s3tests.conf"

# The areas the server claims: everything but the features it answers 501 for.
M="not bucket_logging and not bucket_logging_cleanup and not lifecycle and not lifecycle_expiration and not lifecycle_transition and not bucket_policy and not bucket_encryption and not sse_s and not encryption and not object_ownership and not cloud_transition and not cloud_restore and not iam_user and not iam_account and not delete_marker"
K="not versioning and not versioned and not version and not acl and not lock and not cors and not logging and not policy and not encryption and not sse and not website and not notification and not lifecycle and not public_access and not ownership and not tenant and not torrent and not select and not restore and not transition and not grant and not iam and not session"

echo "s3-tests: stack on port $port, results in $work"
set +e
( cd "$S3TESTS_DIR" && S3TEST_CONF="$work/s3tests.conf" nice "$python" -m pytest -p no:cacheprovider -q --timeout "${S3TESTS_TIMEOUT:-600}" -rfE \
    --junitxml="$work/junit.xml" s3tests/functional/test_s3.py -m "$M" -k "$K" "$@" ) >"$work/pytest.out" 2>&1
set -e
tail -1 "$work/pytest.out"
"$python" "$here/summarize.py" "$work/junit.xml" "$here/known-failures.txt"
