#!/usr/bin/env python3
"""Writes the triage scenario logs (Postfix, ISO timestamps) from replies in the provider catalog
(shared catalog/isp-rejections.tsv, rows named in comments). Deterministic: run it again and the
files come out identical. Each scenario is one campaign sent through one Postfix host; the
envelope sender carries the campaign and segment in VERP form (bounces+<campaign>.<segment>@)."""
import random
import sys
from datetime import datetime, timedelta, timezone

SENDING_IP = "203.0.113.25"

# recipient domain -> (relay host, relay ip, delivered reply)
RELAYS = {
    "gmail.com": ("gmail-smtp-in.l.google.com", "142.250.102.27",
                  "250 2.0.0 OK  1772528042 5a478bee46e88-2b70a1c4e8c{n:04d}si1234567eec.{m} - gsmtp"),
    "outlook.com": ("outlook-com.olc.protection.outlook.com", "52.101.68.12",
                    "250 2.6.0 <{mid}> [InternalId={n}, Hostname=AM4PEPF00027A5F.eurprd04.prod.outlook.com] Queued mail for delivery"),
    "hotmail.com": ("hotmail-com.olc.protection.outlook.com", "52.101.10.3",
                    "250 2.6.0 <{mid}> [InternalId={n}, Hostname=DB8EUR05HT123.eop-eur05.prod.protection.outlook.com] Queued mail for delivery"),
    "yahoo.com": ("mta6.am0.yahoodns.net", "67.195.204.72", "250 ok dirdel"),
    "aol.com": ("mx-aol.mail.gm0.yahoodns.net", "67.195.204.79", "250 ok dirdel"),
    "icloud.com": ("mx01.mail.icloud.com", "17.57.154.33", "250 2.0.0 Ok: queued as {qid}"),
    "comcast.net": ("mx1a1.comcast.net", "96.114.157.80", "250 2.0.0 {qid} mail accepted for delivery"),
    "acme-corp.example": ("mx.acme-corp.example", "198.51.100.20", "250 2.0.0 Ok: queued as {qid}"),
    "mail.example.org": ("mx1.mail.example.org", "198.51.100.31", "250 2.0.0 Ok: queued as {qid}"),
}
MIX = [("gmail.com", 40), ("outlook.com", 14), ("hotmail.com", 11), ("yahoo.com", 12), ("aol.com", 3),
       ("icloud.com", 8), ("comcast.net", 4), ("acme-corp.example", 4), ("mail.example.org", 4)]

# Replies, by catalog row. "{r}" is the recipient, "{ip}" the sending IP.
R001 = ("550", "5.1.1", "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 5a478bee46e88-2b70a1c4e8csi{n}eec.{m} - gsmtp", "RCPT TO")
R006 = ("452", "4.2.2", "452-4.2.2 The email account that you tried to reach is over quota. Please direct 452-4.2.2 the recipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp 5a478bee46e88-2b70a1c4e8csi{n}eec.{m} - gsmtp", "RCPT TO")
R015 = ("550", "5.7.1", "550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating 550-5.7.1 from your IP address. To protect our users from spam, mail sent from your IP 550-5.7.1 address has been blocked. Please visit 550-5.7.1  https://support.google.com/mail/?p=UnsolicitedIPError to review our Bulk 550 5.7.1 Email Senders Guidelines. 5a478bee46e88-2b70a1c4e8csi{n}eec.{m} - gsmtp", "end of DATA")
R013 = ("421", "4.7.28", "421-4.7.28 Gmail has detected an unusual rate of mail originating from your IP 421-4.7.28 address. To protect our users from spam, mail has been temporarily rate 421 4.7.28 limited. 5a478bee46e88-2b70a1c4e8csi{n}eec.{m} - gsmtp", "end of DATA")
R017 = ("421", "4.7.0", "421-4.7.0 This message is suspicious due to the nature of the content or the 421-4.7.0 links within. To best protect our users from spam, the message has been 421 4.7.0 blocked. 5a478bee46e88-2b70a1c4e8csi{n}eec.{m} - gsmtp", "end of DATA")
R053 = ("550", "5.7.515", "550 5.7.515 Access denied, sending domain news.shop.example does not meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender. To learn more about Microsoft bulk sender requirements, visit https://aka.ms/ProtectYourUsers", "end of DATA")
R061 = ("451", "4.7.652", "451 4.7.652 The mail server [{ip}] has exceeded the maximum number of connections. (S3115) [AM4PEPF00027A5F.eurprd04.prod.outlook.com 2026-03-03T09:14:12.123Z 08DE5A1B2C3D4E5F]", "MAIL FROM")
R066 = ("550", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {r} not found by SMTP address lookup", "RCPT TO")
R086 = ("553", "5.7.1", "553 5.7.1 [BL21] Connections will not be accepted from {ip}, because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html", "MAIL FROM")
R089 = ("554", "5.7.9", "554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes", "end of DATA")
R091 = ("554", "", "554 delivery error: dd This user doesn't have a yahoo.com account ({r}) [0] - mta1234.mail.gq1.yahoo.com", "end of DATA")
R095 = ("421", "", "421 Max message per connection reached, closing transmission channel", "end of DATA")
R110 = ("550", "5.1.1", "550 5.1.1 <{r}>: user does not exist", "RCPT TO")
R114 = ("550", "5.7.1", "550 5.7.1 [CS01] message content rejected due to spam", "end of DATA")
R117 = ("554", "", "554 resimta-h1p-012345.sys.comcast.net resimta-h1p-012345.sys.comcast.net {ip} found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010", "MAIL FROM")
R186 = ("554", "5.7.1", "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}", "RCPT TO")
POSTFIX_UNKNOWN = ("550", "5.1.1", "550 5.1.1 <{r}>: Recipient address rejected: User unknown in virtual mailbox table", "RCPT TO")

FIRST = ["anna", "ben", "carla", "dev", "emma", "farid", "greta", "hugo", "ines", "jonas", "kira",
         "liam", "maria", "noah", "olga", "paul", "quinn", "rosa", "sven", "tara", "uma", "victor",
         "wen", "xavier", "yara", "zoe"]


class Log:
    def __init__(self, start):
        self.t = start
        self.lines = []
        self.n = 0

    def tick(self, s=1.7):
        self.t += timedelta(seconds=s)

    def stamp(self):
        return self.t.strftime("%Y-%m-%dT%H:%M:%S") + "+0000"

    def qid(self):
        self.n += 1
        return "%010X" % (0x4A1B000000 + self.n * 7919)

    def message(self, sender, recipients):
        """recipients: list of (address, outcome) with outcome ("sent",) or (code, dsn, text, stage)
        or ("deferred-then-sent", reply) for a deferral followed by delivery."""
        qid = self.qid()
        mid = "%s.%d@news.shop.example" % (qid.lower(), self.n)
        self.lines.append("%s mx1 postfix/cleanup[2211]: %s: message-id=<%s>" % (self.stamp(), qid, mid))
        self.lines.append("%s mx1 postfix/qmgr[811]: %s: from=<%s>, size=%d, nrcpt=%d (queue active)"
                          % (self.stamp(), qid, sender, 18000 + self.n % 900, len(recipients)))
        for rcpt, outcome in recipients:
            self.tick(0.4)
            self.delivery(qid, mid, rcpt, outcome)
        self.lines.append("%s mx1 postfix/qmgr[811]: %s: removed" % (self.stamp(), qid))
        self.tick()

    def delivery(self, qid, mid, rcpt, outcome):
        dom = rcpt.split("@")[1]
        host, ip, ok = RELAYS[dom]
        pid = 20000 + self.n % 4000
        n = self.n
        if outcome[0] == "deferred-then-sent":
            self.delivery(qid, mid, rcpt, outcome[1])
            self.t += timedelta(minutes=5)
            self.delivery(qid, mid, rcpt, ("sent",))
            return
        if outcome[0] == "sent":
            text = ok.format(n=n, m=n % 97, mid=mid, qid=self.qid())
            self.lines.append("%s mx1 postfix/smtp[%d]: %s: to=<%s>, relay=%s[%s]:25, delay=1.2, delays=0.05/0.01/0.6/0.54, dsn=2.0.0, status=sent (%s)"
                              % (self.stamp(), pid, qid, rcpt, host, ip, text))
            return
        code, dsn, text, stage = outcome
        text = text.format(r=rcpt, ip=SENDING_IP, n=n, m=n % 97)
        if not dsn:
            dsn = code[0] + ".0.0"
        status = "deferred" if code.startswith("4") else "bounced"
        self.lines.append("%s mx1 postfix/smtp[%d]: %s: to=<%s>, relay=%s[%s]:25, delay=0.9, delays=0.02/0/0.5/0.38, dsn=%s, status=%s (host %s[%s] said: %s (in reply to %s command))"
                          % (self.stamp(), pid, qid, rcpt, host, ip, dsn, status, host, ip, text, stage))


def recipients(rng, count, salt):
    out = []
    weights = [w for _, w in MIX]
    doms = [d for d, _ in MIX]
    for i in range(count):
        d = rng.choices(doms, weights)[0]
        out.append("%s.%s%d@%s" % (rng.choice(FIRST), salt, i, d))
    return out


def campaign(name, start, groups, seed):
    """groups: list of (segment, recipient count, rule(address, index, rng) -> outcome)."""
    rng = random.Random(seed)
    log = Log(start)
    for segment, count, rule in groups:
        sender = "bounces+%s.%s@mail.shop.example" % (name, segment)
        rcpts = recipients(rng, count, segment[:2])
        batch = []
        for i, r in enumerate(rcpts):
            batch.append((r, rule(r, i, rng)))
            if len(batch) == 4:
                log.message(sender, batch)
                batch = []
        if batch:
            log.message(sender, batch)
    return "\n".join(log.lines) + "\n"


def dom(r):
    return r.split("@")[1]


def churn(r, i, rng):
    """Normal churn: about 0.5 % unknown users, a full mailbox, a few greylisting deferrals."""
    if i % 211 == 17:
        return {"gmail.com": R001, "icloud.com": R110}.get(dom(r), POSTFIX_UNKNOWN) if dom(r) != "yahoo.com" else R091
    if i == 301 and dom(r) == "gmail.com":
        return ("deferred-then-sent", R006)
    return ("sent",)


def reputation_gmail(r, i, rng):
    if dom(r) == "gmail.com" and rng.random() < 0.45:
        return R015
    return churn(r, i, rng)


def auth_microsoft(r, i, rng):
    if dom(r) in ("outlook.com", "hotmail.com") and rng.random() < 0.9:
        return R053
    return churn(r, i, rng)


def bad_import(r, i, rng):
    if rng.random() < 0.12:
        return {"gmail.com": R001, "outlook.com": R066, "hotmail.com": R066, "yahoo.com": R091,
                "icloud.com": R110}.get(dom(r), POSTFIX_UNKNOWN)
    return ("sent",)


def content_everywhere(r, i, rng):
    d = dom(r)
    if rng.random() < 0.35:
        if d == "gmail.com":
            return R017
        if d == "icloud.com":
            return R114
        if d in ("yahoo.com", "aol.com"):
            return R089
    return churn(r, i, rng)


def blocklisted(r, i, rng):
    d = dom(r)
    if d in ("yahoo.com", "aol.com"):
        return R086
    if d == "comcast.net":
        return R117
    if d in ("acme-corp.example", "mail.example.org"):
        return R186
    return churn(r, i, rng)


def throttled(r, i, rng):
    d = dom(r)
    if d in ("outlook.com", "hotmail.com") and rng.random() < 0.5:
        return ("deferred-then-sent", R061)
    return churn(r, i, rng)


def small(r, i, rng):
    if i in (3, 11, 19):
        return R001 if dom(r) == "gmail.com" else POSTFIX_UNKNOWN
    if i in (7, 23) and dom(r) == "gmail.com":
        return R015
    return ("sent",)


T = lambda d: datetime(2026, 3, d, 9, 0, 0, tzinfo=timezone.utc)
SCENARIOS = {
    "normal-churn.log": ("march-news", T(2), [("subscribers", 700, churn)], 1),
    "ip-reputation-gmail.log": ("spring-sale", T(3), [("subscribers", 700, reputation_gmail)], 2),
    "auth-microsoft.log": ("spring-sale", T(4), [("subscribers", 700, auth_microsoft)], 3),
    "list-quality-segment.log": ("april-news", T(5), [("newsletter", 500, churn), ("import-2026-02", 300, bad_import)], 4),
    "content-multi-provider.log": ("flash-deal", T(6), [("subscribers", 700, content_everywhere)], 5),
    "blocklisted.log": ("weekly-digest", T(9), [("subscribers", 700, blocklisted)], 6),
    "throttling-microsoft.log": ("product-launch", T(10), [("subscribers", 700, throttled)], 7),
    "small-sample.log": ("vip-preview", T(11), [("vip", 30, small)], 8),
}

if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, (camp, start, groups, seed) in SCENARIOS.items():
        with open("%s/%s" % (out_dir, name), "w") as f:
            f.write(campaign(camp, start, groups, seed))
