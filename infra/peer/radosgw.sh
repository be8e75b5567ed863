#!/usr/bin/env bash
# A throw-away single-node Ceph radosgw (Debian's radosgw, ceph-mon, ceph-osd): one monitor, one
# memstore OSD (data in RAM), one radosgw, in a fresh temp dir on free 127.0.0.1 ports, so it runs
# beside other stacks. Creates an admin user with a generated key pair (caps users=*, buckets=*:
# the test fixture creates one tenant user per test file through the admin API).
#
#   infra/peer/radosgw.sh                      bring up, print the env, wait until Ctrl-C
#   infra/peer/radosgw.sh -- CMD [ARGS...]     bring up, run CMD with the env, tear down; exits as CMD
#   RGW_ENV_FILE=path infra/peer/radosgw.sh …  also write the env (KEY=value lines) to that file
#
# Env given to CMD: S3_TARGET=radosgw, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY (the admin user),
# S3_RADOSGW_VERSION. Everything is stopped and the temp dir removed on exit (RGW_KEEP=1 keeps the
# dir and its logs). Ceph settings and gotchas: docs/local-s3.md "Second target: radosgw".
set -euo pipefail

for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$bin" >/dev/null || { echo "radosgw.sh: $bin not found (apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common)" >&2; exit 127; }
done

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
rand() { node -e "process.stdout.write(require('crypto').randomBytes($1).toString('$2'))"; }
log() { echo "radosgw.sh: $*" >&2; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/strata-radosgw-XXXXXX")
PIDS=()
SLEEPER=
teardown() {
  local code=$?
  trap - EXIT INT TERM
  [ -z "$SLEEPER" ] || kill "$SLEEPER" 2>/dev/null || true
  # Only the daemons this script started, by their own pids (radosgw first, the monitor last).
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 1 50); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PIDS[i]}" 2>/dev/null || true
  done
  if [ "${RGW_KEEP:-}" = 1 ]; then log "kept $DIR"; else rm -rf "$DIR"; fi
  exit "$code"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  log "$1"
  for f in "$DIR"/*.log "$DIR"/*.out; do [ -f "$f" ] && { echo "--- $f (last lines)" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}

# Polls "$@" (quietly) until it succeeds or $1 seconds pass.
wait_for() {
  local secs=$1 what=$2; shift 2
  local until=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $until ] || fail "$what did not come up within ${secs}s"
    sleep 0.5
  done
}

START=$SECONDS
MON_PORT=$(free_port)
RGW_PORT=$(free_port)
while [ "$RGW_PORT" = "$MON_PORT" ]; do RGW_PORT=$(free_port); done
FSID=$(cat /proc/sys/kernel/random/uuid)
mkdir -p "$DIR/mon" "$DIR/osd" "$DIR/run"
CONF="$DIR/ceph.conf"
cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
mon initial members = a
public addr = 127.0.0.1
# No cephx: a single-user scratch cluster bound to 127.0.0.1.
auth cluster required = none
auth service required = none
auth client required = none
# radosgw's built-in default is "secure", which no-auth cannot provide (the connection to the
# monitor then fails with "get_initial_auth_request returned -13").
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon max pg per osd = 1000
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
run dir = $DIR/run
log file = $DIR/\$name.log
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
mon data = $DIR/mon
osd data = $DIR/osd
keyring = $DIR/keyring
[client.rgw]
# endpoint= only: "port=N endpoint=…" binds twice and dies with "Address already in use".
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
# SSE-C over plain HTTP (radosgw refuses it without TLS by default: 400 InvalidRequest).
rgw crypt require ssl = false
CONF
C=(-c "$CONF")

ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" 2>/dev/null
ceph-mon "${C[@]}" -f -i a 2>/dev/null &
PIDS+=($!)
wait_for 30 "ceph-mon" ceph "${C[@]}" --connect-timeout 3 mon stat

OSD_ID=$(ceph "${C[@]}" osd create)
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs >/dev/null 2>&1 || fail "ceph-osd --mkfs failed"
ceph "${C[@]}" osd crush add "osd.$OSD_ID" 1.0 host=localhost >/dev/null 2>&1
ceph-osd "${C[@]}" -f -i "$OSD_ID" >/dev/null 2>&1 &
PIDS+=($!)
osd_up() { ceph "${C[@]}" --connect-timeout 3 osd dump 2>/dev/null | grep -q "^osd.$OSD_ID up"; }
wait_for 60 "ceph-osd" osd_up

# The storage class the tests write (radosgw refuses a class its placement does not list; each
# radosgw-admin call costs seconds, so only this one). Any store command creates the default zone
# and zonegroup first.
radosgw-admin "${C[@]}" user list >"$DIR/placement.out" 2>&1 || fail "radosgw-admin user list failed"
for class in STANDARD_IA; do
  radosgw-admin "${C[@]}" zonegroup placement add --rgw-zonegroup default --placement-id default-placement --storage-class "$class" >"$DIR/placement.out" 2>&1 || fail "zonegroup placement add $class failed"
  radosgw-admin "${C[@]}" zone placement add --rgw-zone default --placement-id default-placement --storage-class "$class" --data-pool "default.rgw.$(echo "$class" | tr 'A-Z' 'a-z').data" >/dev/null 2>&1 || fail "zone placement add $class failed"
done

radosgw "${C[@]}" -f -n client.rgw >/dev/null 2>&1 &
PIDS+=($!)
ENDPOINT="http://127.0.0.1:$RGW_PORT"
wait_for 90 "radosgw" curl -sf -o /dev/null "$ENDPOINT/"

ACCESS_KEY="STRATARGW$(rand 6 hex | tr 'a-f' 'A-F')"
SECRET_KEY=$(rand 30 base64 | tr '+/' 'xy')
radosgw-admin "${C[@]}" user create --uid=strata-admin --display-name="strata admin" --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" --caps='users=*;buckets=*' >/dev/null 2>&1 || fail "radosgw-admin user create failed"
VERSION=$(radosgw --version | awk '{print $3}')

ENV_LINES="S3_TARGET=radosgw
S3_ENDPOINT=$ENDPOINT
S3_ACCESS_KEY=$ACCESS_KEY
S3_SECRET_KEY=$SECRET_KEY
S3_RADOSGW_VERSION=$VERSION"
[ -n "${RGW_ENV_FILE:-}" ] && printf '%s\n' "$ENV_LINES" >"$RGW_ENV_FILE"
log "radosgw $VERSION up at $ENDPOINT in $((SECONDS - START))s (dir $DIR)"

if [ "${1:-}" = "--" ]; then
  shift
  [ $# -gt 0 ] || fail "nothing to run after --"
  set +e
  env S3_TARGET=radosgw S3_ENDPOINT="$ENDPOINT" S3_ACCESS_KEY="$ACCESS_KEY" S3_SECRET_KEY="$SECRET_KEY" S3_RADOSGW_VERSION="$VERSION" "$@"
  code=$?
  set -e
  log "S3 target was radosgw $VERSION at $ENDPOINT; '$*' exited $code"
  exit "$code"
fi

printf '%s\n' "$ENV_LINES"
log "Ctrl-C (or SIGTERM to pid $$) stops it"
sleep infinity &
SLEEPER=$!
wait "$SLEEPER"
