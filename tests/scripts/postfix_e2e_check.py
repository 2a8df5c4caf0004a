#!/usr/bin/env python3
# Driver and checker of the Postfix end-to-end test (postfix_e2e.test.sh), Python standard
# library only:
#   inject PORT DATA_DIR OUT_TSV      submit the campaign of messages.tsv to Postfix's smtpd
#   wait LOG MAILDIR DATA_DIR SECONDS  wait until Postfix has finished with every recipient
#   check DATA_DIR WORK_DIR            check mxtriage's diagnoses of the log and the bounces
# The expected values come from tests/data/postfix-e2e/replies.tsv (the reply each recipient
# gets and the catalog's category and suppression for it), never from mxtriage's own output.
import csv
import json
import os
import re
import smtplib
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid, formatdate

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from postfix_e2e_server import reply_lines  # noqa: E402  (the lines the server really sends)

CLIENT_IP = "127.0.0.1"


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def campaign_messages(data_dir):
    msgs = read_tsv(os.path.join(data_dir, "messages.tsv"))
    for m in msgs:
        m["rcpts"] = m["recipients"].split(",")
    return msgs


def replies_by_rcpt(data_dir):
    return {r["recipient"]: r for r in read_tsv(os.path.join(data_dir, "replies.tsv"))}


# --- inject -----------------------------------------------------------------------------------
def inject(port, data_dir, out_tsv):
    rows = []
    with smtplib.SMTP("127.0.0.1", int(port), local_hostname="app.sender.e2e.test", timeout=20) as s:
        for i, m in enumerate(campaign_messages(data_dir), 1):
            msg = EmailMessage()
            msg["From"] = "Shop <news@sender.e2e.test>"
            msg["To"] = ", ".join(m["rcpts"])
            msg["Subject"] = m["subject"]
            msg["Date"] = formatdate(localtime=False)
            msg["Message-ID"] = f"<e2e-{i}@sender.e2e.test>"
            msg.set_content(f"Message {i} of the mxtriage Postfix end-to-end test.\n")
            code, resp = s.mail(m["sender"])
            assert code == 250, (code, resp)
            for r in m["rcpts"]:
                code, resp = s.rcpt(r)
                assert code == 250, (r, code, resp)
            code, resp = s.data(msg.as_bytes())
            assert code == 250, (code, resp)
            qid = re.search(rb"queued as (\w+)", resp)
            assert qid, resp
            rows.append((f"e2e-{i}@sender.e2e.test", qid.group(1).decode(), m["sender"], m["recipients"]))
    with open(out_tsv, "w") as f:
        f.write("message_id\tqueue_id\tsender\trecipients\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


# --- wait -------------------------------------------------------------------------------------
def maildir_count(maildir):
    return sum(len(os.listdir(os.path.join(maildir, d)))
               for d in ("new", "cur") if os.path.isdir(os.path.join(maildir, d)))


def wait(log, maildir, data_dir, seconds):
    """Until every recipient has a final status (sent, bounced, or its message expired) and every
    notice has been delivered to the Maildir: a failure notice for each message with a failed
    recipient, and a delay notice ("Delayed Mail (still being retried)", delay_warning_time) for
    each message that was deferred."""
    replies = replies_by_rcpt(data_dir)
    msgs = campaign_messages(data_dir)
    deferring = sum(1 for m in msgs if any(replies[r]["smtp_code"].startswith("4") for r in m["rcpts"]))
    final_rcpts = [r for r, row in replies.items() if row["smtp_code"][0] in "25"]
    bounces = deferring + sum(1 for m in msgs if any(not replies[r]["smtp_code"].startswith("2") for r in m["rcpts"]))
    deadline = time.time() + float(seconds)
    while time.time() < deadline:
        text = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
        done_rcpts = all(re.search(rf"to=<{re.escape(r)}>.*status=(sent|bounced)", text) for r in final_rcpts)
        expired = len(re.findall(r"status=expired, returned to sender", text))
        local = len(re.findall(r"to=<bounces\+[^>]*>, relay=local.*status=sent", text))
        if done_rcpts and expired >= deferring and local >= bounces and maildir_count(maildir) >= bounces:
            return 0
        time.sleep(0.5)
    print(f"postfix_e2e: Postfix did not finish within {seconds} s: recipients done={done_rcpts}, "
          f"expired {expired}/{deferring}, bounces delivered {local}/{bounces}, "
          f"in Maildir {maildir_count(maildir)}/{bounces}", file=sys.stderr)
    return 1

# --- check ------------------------------------------------------------------------------------
class Checks:
    def __init__(self):
        self.failures, self.passed, self.gaps = [], 0, {}

    def eq(self, what, got, want):
        self.true(what, got == want, f"got {got!r}, expected {want!r}")

    def true(self, what, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{what}: {detail}" if detail else what)

    def known_gap(self, what, subject, still_there, detail):
        """A known mxtriage gap, pinned: seen for every subject or the test fails, so a fix (or a
        change) is noticed and the check is moved to the ordinary ones."""
        g = self.gaps.setdefault(what, {"seen": [], "not": []})
        g["seen" if still_there else "not"].append(f"{subject} ({detail})" if still_there else subject)

    def report_gaps(self):
        for what, g in self.gaps.items():
            if g["not"]:
                self.failures.append(f"known gap no longer seen for {', '.join(g['not'])}, update the test: {what}")
            else:
                print(f"postfix_e2e: KNOWN GAP ({len(g['seen'])}x): {what}; e.g. {g['seen'][0]}")


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        lines = [json.loads(l) for l in f if l.strip()]
    return [l for l in lines if l["type"] == "event"], [l for l in lines if l["type"] == "summary"]


def verp(sender):
    m = re.match(r"bounces\+([^.@]+)\.([^@]+)@", sender)
    return (m.group(1), m.group(2)) if m else (None, None)


def squeeze(s):
    return " ".join((s or "").split())


STAGE = {"rcpt": "rcpt", "data": "end_of_data", "greeting": "connect"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def check_summary(c, name, summaries, events, read_units):
    c.eq(f"{name}: one summary line, last", len(summaries), 1)
    if not summaries:
        return
    s = summaries[0]
    c.eq(f"{name}: summary read == parsed + skipped + failed", s["read"],
         s["parsed"] + sum(s["skipped"].values()) + sum(s["failed"].values()))
    c.eq(f"{name}: summary events == event lines", s["events"], len(events))
    c.eq(f"{name}: summary read == input units", s["read"], read_units)
    c.eq(f"{name}: nothing in Postfix's real output is malformed", s["failed"], {})


def check(data_dir, work):
    c = Checks()
    replies = replies_by_rcpt(data_dir)
    injected = {r["recipients"]: r for r in read_tsv(os.path.join(work, "injected.tsv"))}
    msg_of = {}  # recipient -> injected row
    for row in injected.values():
        for r in row["recipients"].split(","):
            msg_of[r] = row
    failing_msgs = [m for m in injected.values()
                    if any(not replies[r]["smtp_code"].startswith("2") for r in m["recipients"].split(","))]
    deferring_msgs = [m for m in injected.values()
                      if any(replies[r]["smtp_code"].startswith("4") for r in m["recipients"].split(","))]
    # One failure notice per message with a failed recipient, one delay notice per deferred message.
    n_notices = len(failing_msgs) + len(deferring_msgs)

    # ---- the test server saw Postfix's client deliver (nothing was short-circuited) ----
    with open(os.path.join(work, "transcript"), encoding="utf-8") as f:
        transcript = f.read()
    c.true("server: Postfix's smtp(8) client said EHLO", "\tC\tEHLO mta.sender.e2e.test\n" in transcript)
    for rcpt, row in replies.items():
        if row["stage"] != "greeting":
            c.true(f"server: RCPT TO <{rcpt}> received", f"\tC\tRCPT TO:<{rcpt}>" in transcript)
    c.true("server: the greeting refusal was sent", re.search(r"^greeting#\d+\tS\t421 ", transcript, re.M) is not None)

    # ---- the log Postfix wrote ----
    log_events, log_summary = load_jsonl(os.path.join(work, "log.jsonl"))
    with open(os.path.join(work, "maillog.final"), "rb") as f:
        log_lines = f.read().count(b"\n")
    check_summary(c, "log", log_summary, log_events, log_lines)
    final_from_log, deferred_from_log = {}, {}
    for rcpt, row in replies.items():
        evs = [e for e in log_events if e["recipient"] == rcpt]
        msg = msg_of[rcpt]
        campaign, segment = verp(msg["sender"])
        code = row["smtp_code"]
        lines = reply_lines(row, CLIENT_IP)
        what = f"log {rcpt}"
        c.true(f"{what}: has events", len(evs) > 0, "no event")
        if not evs:
            continue
        for e in evs:
            c.eq(f"{what}: format", e["format"], "postfix")
            c.eq(f"{what}: sender (joined by queue id)", e["sender"], msg["sender"])
            c.eq(f"{what}: campaign (VERP)", e["campaign"], campaign)
            c.eq(f"{what}: segment (VERP)", e["segment"], segment)
            c.eq(f"{what}: message_id (joined by queue id)", e["message_id"], msg["message_id"])
            c.eq(f"{what}: queue_id", e["queue_id"], msg["queue_id"])
            c.eq(f"{what}: remote_host", e["remote_host"], CLIENT_IP)
            c.eq(f"{what}: remote_ip", e["remote_ip"], CLIENT_IP)
            c.true(f"{what}: time is ISO 8601", bool(e["time"] and ISO.match(e["time"])), repr(e["time"]))
            c.true(f"{what}: unix_time", isinstance(e["unix_time"], int), repr(e["unix_time"]))
            c.eq(f"{what}: provider", e["provider"], row["expected_provider"])
            c.true(f"{what}: text on one line", "\n" not in e["text"] and "\r" not in e["text"], repr(e["text"]))
        if code.startswith("2"):
            c.eq(f"{what}: one event", len(evs), 1)
            e = evs[0]
            c.eq(f"{what}: outcome", e["outcome"], "delivered")
            c.eq(f"{what}: category", e["category"], "delivered")
            c.eq(f"{what}: action", e["action"], "none")
            c.eq(f"{what}: reply_code", e["reply_code"], "250")
            c.eq(f"{what}: status", e["status"], "2.0.0")
            c.true(f"{what}: text is the server's reply to DATA",
                   re.fullmatch(r"250 2\.0\.0 Ok: queued as E2E\d+", e["text"] or "") is not None, repr(e["text"]))
            final_from_log[rcpt] = e
            continue
        # Every failed attempt carries the reply exactly as sent, multi-line replies flattened
        # with the line separators turned into spaces (Postfix smtp(8), translit "\n" -> " ").
        for e in evs:
            c.eq(f"{what}: reply_code", e["reply_code"], code)
            c.eq(f"{what}: status", e["status"], row["enhanced_code"])
            c.eq(f"{what}: text (flattened reply)", e["text"], " ".join(lines))
            c.eq(f"{what}: stage", e["stage"], STAGE[row["stage"]])
            c.true(f"{what}: category in catalog's {row['spec_category']}",
                   e["category"] in row["spec_category"].split("|"), repr(e["category"]))
            c.true(f"{what}: action in {row['expected_action']}",
                   e["action"] in row["expected_action"].split("|"), repr(e["action"]))
            c.eq(f"{what}: suppressed iff the catalog says so", e["action"] == "suppress", row["suppress"] == "yes")
        if code.startswith("5"):
            c.eq(f"{what}: one event", len(evs), 1)
            c.eq(f"{what}: outcome", evs[0]["outcome"], "bounced")
            c.eq(f"{what}: permanent", evs[0]["permanent"], True)
        else:
            # Deferred at every attempt, then returned when maximal_queue_lifetime ran out.
            outcomes = [e["outcome"] for e in evs]
            c.true(f"{what}: deferred at least twice, then expired once, last",
                   len(evs) >= 3 and outcomes[:-1] == ["deferred"] * (len(evs) - 1) and outcomes[-1] == "expired",
                   repr(outcomes))
            c.true(f"{what}: the expired event comes from qmgr's later line",
                   evs[-1]["position"] > max(e["position"] for e in evs[:-1]), repr([e["position"] for e in evs]))
            for e in evs:
                c.eq(f"{what}: hard_bounce", e["hard_bounce"], False)
        final_from_log[rcpt] = evs[-1]
        if code.startswith("4"):
            deferred_from_log[rcpt] = evs[0]
        extra = {
            "R001": lambda e: c.eq(f"{what}: hard_bounce", e["hard_bounce"], True),
            "R186": lambda e: (c.eq(f"{what}: blocklist zone", (e["blocklist"] or {}).get("zone"), "zen.spamhaus.org"),
                               c.eq(f"{what}: listed_ip", e["listed_ip"], CLIENT_IP)),
            "R050": lambda e: c.eq(f"{what}: listed_ip", e["listed_ip"], CLIENT_IP),
        }.get(row["catalog_id"])
        if extra:
            extra(evs[-1])

    # Postfix's own bounce notices (from=<>), delivered by local(8) to the sender's Maildir: their
    # delivery lines are counted as skipped, with why, and give no event (RFC 5321 4.5.5: a null
    # reverse-path is the mail system's own notice, not the campaign's mail).
    c.eq("log: no event for Postfix's own notices",
         [e["recipient"] for e in log_events if e["recipient"].startswith("bounces+")], [])
    skipped = log_summary[0]["skipped"] if log_summary else {}
    c.eq("log: one skipped local delivery per notice (failure and delay)",
         skipped.get("the mail system's own notice (null sender)"), n_notices)
    c.eq("log: every event is a test recipient", sorted({e["recipient"] for e in log_events} - set(replies)), [])

    # ---- the bounce notices Postfix generated ----
    mail_events, mail_summary = load_jsonl(os.path.join(work, "bounces.jsonl"))
    check_summary(c, "bounces", mail_summary, mail_events, n_notices)
    if mail_summary:
        c.eq("bounces: every notice read", mail_summary[0]["parsed"], n_notices)
    c.eq("bounces: every notice gives events", len({e["source"] for e in mail_events}), n_notices)
    by_source = {}
    for e in mail_events:
        by_source.setdefault(e["source"], set()).add(e["recipient"])
    c.true("bounces: the two-recipient message's failures share one notice",
           any(len(v) == 2 for v in by_source.values()), repr(sorted(map(sorted, by_source.values()))))
    failed_rcpts = [r for r, row in replies.items() if not row["smtp_code"].startswith("2")]
    deferred_rcpts = [r for r, row in replies.items() if row["smtp_code"].startswith("4")]
    c.eq("bounces: one failure event per failed recipient, one delay event per deferred one",
         sorted(e["recipient"] for e in mail_events), sorted(failed_rcpts + deferred_rcpts))
    for e in mail_events:
        rcpt = e["recipient"]
        if rcpt not in replies:
            continue
        row, msg = replies[rcpt], msg_of[rcpt]
        delay_notice = e["outcome"] == "deferred"
        logged = deferred_from_log.get(rcpt) if delay_notice else final_from_log.get(rcpt)
        what = f"bounce {rcpt}" + (" (delay notice)" if delay_notice else "")
        if delay_notice:
            c.true(f"{what}: only deferred recipients get a delay notice", rcpt in deferred_rcpts)
        campaign, segment = verp(msg["sender"])
        c.eq(f"{what}: format", e["format"], "postfix")
        c.eq(f"{what}: sender", e["sender"], msg["sender"])
        c.eq(f"{what}: campaign", e["campaign"], campaign)
        c.eq(f"{what}: segment", e["segment"], segment)
        c.eq(f"{what}: header_from of the returned message", e["header_from"], "Shop <news@sender.e2e.test>")
        c.eq(f"{what}: return_path of the returned message", e["return_path"], msg["sender"])
        c.eq(f"{what}: remote_host (Remote-MTA)", e["remote_host"], CLIENT_IP)
        c.eq(f"{what}: text == the reply as sent", squeeze(e["text"]), squeeze(" ".join(reply_lines(row, CLIENT_IP))))
        if logged is None:
            continue
        # The notice must tell the same story as the log: a failure notice its final word on the
        # recipient, a delay notice its deferrals.
        for field in ("text", "reply_code", "status", "outcome", "stage", "category", "action", "provider",
                      "permanent", "hard_bounce", "rule", "blocklist", "listed_ip"):
            c.eq(f"{what}: {field} as in the log", e[field], logged[field])
        # Fields of the notice itself: the Message-ID without brackets, the time in ISO 8601 with
        # epoch seconds, the queue id from X-Postfix-Queue-ID (the log's), the remote MTA's address.
        c.eq(f"{what}: message_id (no angle brackets)", e["message_id"], msg["message_id"])
        c.true(f"{what}: time is ISO 8601 with unix_time", bool(ISO.match(e["time"] or "")) and e["unix_time"] is not None,
               repr((e["time"], e["unix_time"])))
        c.eq(f"{what}: queue_id as in the log", e["queue_id"], logged["queue_id"])
        c.eq(f"{what}: remote_ip", e["remote_ip"], CLIENT_IP)

    # ---- triage ----
    with open(os.path.join(work, "triage.rc")) as f:
        rc = int(f.read().strip())
    c.true("triage: exits with a verdict (0 go, 1 hold/stop)", rc in (0, 1), f"exit status {rc}")
    with open(os.path.join(work, "triage.txt"), encoding="utf-8") as f:
        text = f.read()
    gate = re.search(r"^Send gate: (GO|HOLD|STOP)\b", text, re.M)
    c.true("triage: prints the send gate", gate is not None, text[:200])
    if gate:
        c.eq("triage: exit status matches the gate", rc, 0 if gate.group(1) == "GO" else 1)
    with open(os.path.join(work, "triage.json"), encoding="utf-8") as f:
        tj = json.load(f)
    t = tj["totals"]
    c.eq("triage --json: attempts == diagnose's events", t["attempts"], len(log_events))
    c.eq("triage --json: delivered + deferred + bounced == attempts",
         t["delivered"] + t["deferred"] + t["bounced"], t["attempts"])
    c.eq("triage --json: deferred", t["deferred"], sum(1 for e in log_events if e["outcome"] == "deferred"))
    c.eq("triage --json: bounced (bounced and expired)", t["bounced"],
         sum(1 for e in log_events if e["outcome"] in ("bounced", "expired")))
    c.eq("triage --json: permanent rejections", t["permanent"],
         sum(1 for r in replies.values() if r["smtp_code"].startswith("5")))
    c.eq("triage --json: gate agrees with the text", tj["gate"]["overall"].upper(), gate.group(1) if gate else None)
    # Postfix's own notices (from=<>, delivered locally) are not campaign recipients.
    c.eq("triage --json: recipients are the campaign's, not Postfix's own notices", t["recipients"], len(replies))
    c.eq("triage --json: delivered (the one accepted recipient)", t["delivered"], 1)

    c.report_gaps()
    for f in c.failures:
        print(f"postfix_e2e: FAIL: {f}", file=sys.stderr)
    print(f"postfix_e2e: {c.passed} checks passed, {len(c.failures)} failed, {len(c.gaps)} known gaps pinned")
    return 1 if c.failures else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "inject":
        inject(*sys.argv[2:5])
    elif cmd == "wait":
        sys.exit(wait(*sys.argv[2:6]))
    elif cmd == "check":
        sys.exit(check(*sys.argv[2:4]))
    else:
        sys.exit(f"unknown command {cmd}")
