#!/usr/bin/env bash
# End-to-end test with a real Postfix (Debian 12 package `postfix`, 3.7): a Postfix instance run
# entirely from a temporary directory, on loopback only, delivers a small campaign to a local test
# SMTP server (postfix_e2e_server.py) that answers with real provider replies
# (tests/data/postfix-e2e/replies.tsv). Postfix writes its own log (maillog_file, postlogd(8), no
# syslog daemon needed) and returns its own failure and delay notices to the VERP senders,
# delivered to a Maildir in the temporary directory. mxtriage then reads the log and the Maildir, and
# postfix_e2e_check.py checks every diagnosis against the reply table. docs/testing.md describes
# the test and how to run it by hand.
#
# Usage: postfix_e2e.test.sh MXTRIAGE SOURCE_DIR   (as root: Postfix's master runs as root)
# Set MXT_E2E_KEEP=1 to keep the temporary directory for inspection.
#
# Nothing outside the temporary directory is written: `postfix -c DIR` runs an instance whose
# config, queue, data and log all live there; the system's /etc/postfix is only read (Postfix's
# meta files postfix-files and post-install). Ports are chosen free at run time, so a system
# Postfix on port 25, if any, is neither used nor disturbed.
set -euo pipefail

mxtriage=$(realpath "$1")
src=$(realpath "$2")
data="$src/tests/data/postfix-e2e"
here="$src/tests/scripts"

fail() { echo "postfix_e2e: FAIL: $*" >&2; exit 1; }

# Postfix must be there and runnable: a missing Postfix is a failure, not a skip.
command -v postfix >/dev/null || fail "Postfix is not installed (scripts/install-deps --test installs it)"
[[ $(id -u) -eq 0 ]] || fail "must run as root (Postfix's master(8) starts as root)"
id postfix >/dev/null 2>&1 || fail "no 'postfix' user: the Debian package postfix is not installed properly"
getent group postdrop >/dev/null || fail "no 'postdrop' group: the Debian package postfix is not installed properly"
command -v python3 >/dev/null || fail "python3 is needed"

tmp=$(mktemp -d /tmp/mxt-postfix-e2e.XXXXXX)
# Postfix's daemons run as the postfix user and local(8) delivers as nobody: they must reach it.
chmod 755 "$tmp"
conf="$tmp/conf" queue="$tmp/queue" pfdata="$tmp/data" maildir="$tmp/mail/Maildir/"
log="$tmp/maillog"
server_pid=""
postfix_started=""

cleanup() {
  local rc=$?
  if [[ -n "$postfix_started" ]]; then
    postfix -c "$conf" stop >/dev/null 2>&1 || postfix -c "$conf" abort >/dev/null 2>&1 || true
    # master(8) exits asynchronously; wait so the queue directory can be removed.
    for _ in $(seq 50); do
      [[ -s "$queue/pid/master.pid" ]] && kill -0 "$(tr -d ' ' <"$queue/pid/master.pid")" 2>/dev/null || break
      sleep 0.1
    done
  fi
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [[ $rc -ne 0 || -n "${MXT_E2E_KEEP:-}" ]]; then
    echo "postfix_e2e: files kept in $tmp (maillog, mail/Maildir, transcript, *.jsonl)" >&2
  else
    rm -rf "$tmp"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$conf" "$queue" "$pfdata" "$tmp/mail"
chmod 1777 "$tmp/mail"
# master(8) keeps its lock in data_directory as the postfix user (post-install makes the queue).
chown postfix "$pfdata"

# --- the receiving server --------------------------------------------------------------------
python3 "$here/postfix_e2e_server.py" "$data/replies.tsv" "$tmp/ports" "$tmp/transcript" \
  2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/ports" ]] && break; sleep 0.1; done
[[ -s "$tmp/ports" ]] || fail "test SMTP server did not start: $(cat "$tmp/server.err")"
main_port=$(awk '$1=="main"{print $2}' "$tmp/ports")
greet_port=$(awk '$1=="greeting"{print $2}' "$tmp/ports")
# Postfix's own smtpd: a free port, found the same way.
in_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
greet_domain=$(awk -F'\t' '$2=="greeting"{split($1,a,"@"); print a[2]}' "$data/replies.tsv")

# --- the Postfix instance --------------------------------------------------------------------
# Short queue lifetimes and retry delays make a deferred message expire within the test:
# first attempt at once, retries every few seconds (queue_run_delay, backoff), returned to the
# sender once maximal_queue_lifetime has passed (qmgr(8): "status=expired, returned to sender").
cat >"$conf/main.cf" <<EOF
compatibility_level = 3.6
myhostname = mta.sender.e2e.test
mydomain = sender.e2e.test
myorigin = \$mydomain
mydestination = \$myhostname, \$mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
queue_directory = $queue
data_directory = $pfdata
maillog_file = $log
maillog_file_prefixes = $tmp
syslog_name = postfix
# Every remote recipient goes to the test server; nothing leaves the machine. DNS is never asked.
relayhost = [127.0.0.1]:$main_port
transport_maps = inline:{ { $greet_domain = smtp:[127.0.0.1]:$greet_port } }
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = none
smtp_connect_timeout = 5s
# Bounces come back to bounces+CAMPAIGN.SEGMENT@sender.e2e.test: all go to one Maildir.
recipient_delimiter = +
alias_maps = inline:{ { bounces = $maildir } }
alias_database =
local_recipient_maps =
biff = no
maximal_queue_lifetime = 8s
bounce_queue_lifetime = 8s
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
delay_warning_time = 1s
EOF
# chroot off ("n") everywhere: the instance needs nothing copied into its queue directory.
cat >"$conf/master.cf" <<EOF
127.0.0.1:$in_port inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF

# `postfix start` runs `postfix check` (which creates the queue directories) before master(8).
postfix -c "$conf" start >"$tmp/postfix-start.out" 2>&1 ||
  fail "Postfix did not start: $(cat "$tmp/postfix-start.out" "$log" 2>/dev/null)"
postfix_started=1
for _ in $(seq 100); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$in_port),1).close()" 2>/dev/null && break
  sleep 0.1
done
python3 -c "import socket; socket.create_connection(('127.0.0.1',$in_port),1).close()" 2>/dev/null ||
  fail "Postfix's smtpd is not listening on 127.0.0.1:$in_port: $(cat "$log" 2>/dev/null)"
echo "postfix_e2e: Postfix $(postconf -c "$conf" -h mail_version) running from $conf, smtpd on 127.0.0.1:$in_port"

# --- the campaign ----------------------------------------------------------------------------
check_py="$here/postfix_e2e_check.py"
python3 "$check_py" inject "$in_port" "$data" "$tmp/injected.tsv" ||
  fail "could not submit the campaign to Postfix's smtpd: $(tail -20 "$log")"
python3 "$check_py" wait "$log" "$maildir" "$data" 45 || fail "Postfix did not finish (see $log)"

# Stop Postfix so the log is complete and stable, then read what it wrote.
postfix -c "$conf" stop >/dev/null 2>&1 || fail "postfix stop failed"
for _ in $(seq 100); do
  [[ -s "$queue/pid/master.pid" ]] && kill -0 "$(tr -d ' ' <"$queue/pid/master.pid")" 2>/dev/null || break
  sleep 0.1
done
postfix_started=""
sleep 0.5  # postlogd(8) writes the last lines as it exits
cp "$log" "$tmp/maillog.final"

# --- mxtriage on Postfix's real output -------------------------------------------------------
export MXTRIAGE_DB="$tmp/mxtriage.db"  # never the user's history database
"$mxtriage" diagnose --json "$tmp/maillog.final" >"$tmp/log.jsonl" 2>"$tmp/log.err" ||
  fail "mxtriage diagnose on the log exited $?: $(cat "$tmp/log.err")"
"$mxtriage" diagnose --json "$maildir" >"$tmp/bounces.jsonl" 2>"$tmp/bounces.err" ||
  fail "mxtriage diagnose on the Maildir exited $?: $(cat "$tmp/bounces.err")"
[[ ! -s "$tmp/log.err" ]] || fail "mxtriage reported problems in Postfix's log: $(cat "$tmp/log.err")"
[[ ! -s "$tmp/bounces.err" ]] || fail "mxtriage reported problems in Postfix's bounces: $(cat "$tmp/bounces.err")"
set +e
"$mxtriage" triage --no-history "$tmp/maillog.final" >"$tmp/triage.txt" 2>"$tmp/triage.err"
echo $? >"$tmp/triage.rc"
"$mxtriage" triage --no-history --json "$tmp/maillog.final" >"$tmp/triage.json" 2>>"$tmp/triage.err"
json_rc=$?
set -e
[[ $json_rc -le 1 ]] || fail "mxtriage triage --json exited $json_rc: $(cat "$tmp/triage.err")"

python3 "$check_py" check "$data" "$tmp" || fail "mxtriage's diagnoses of Postfix's output are wrong (above)"
echo "postfix_e2e: PASS"
