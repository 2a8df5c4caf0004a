#!/usr/bin/env python3
# A receiving SMTP server for the Postfix end-to-end test (postfix_e2e.test.sh): it plays the
# mailbox providers a real Postfix delivers to, answering with the providers' real replies from
# tests/data/postfix-e2e/replies.tsv (rows copied from the project's provider reply catalog).
#
# Python standard library only (asyncio): the smtpd module is deprecated and gone in Python 3.12,
# and aiosmtpd is not a Debian 12 default. It speaks just the RFC 5321 subset Postfix's smtp(8)
# client uses when PIPELINING, STARTTLS and AUTH are not offered: EHLO/HELO, MAIL, RCPT, DATA,
# RSET, NOOP, QUIT.
#
# Two listeners on 127.0.0.1, each on a free port chosen by the kernel:
#   "main"     greets with 220 and answers RCPT TO (stage "rcpt") or the end of DATA (stage
#              "data") with the reply of the row whose recipient matches, 250 otherwise;
#   "greeting" greets with the reply of the row whose stage is "greeting" and closes (a provider
#              refusing the connection, e.g. Yahoo's 421 [TSS04]); Postfix routes that row's
#              recipient domain there with a transport map.
# Placeholders for the client's address in the catalog's text ("x.x.x.x", "[IP]") are filled in
# with the connecting address, as the providers do. Rows with wrap > 0 are sent as multi-line
# replies (RFC 5321 section 4.2.1: "550-5.1.1 ...", last line "550 5.1.1 ..."), the way Gmail
# wraps its replies; reply_lines() is shared with the checker so both agree on the lines.
#
# Usage: postfix_e2e_server.py REPLIES.TSV PORTS_FILE TRANSCRIPT_FILE
# Writes "main PORT\ngreeting PORT\n" to PORTS_FILE once listening, and one line per command and
# reply to TRANSCRIPT_FILE. Runs until killed.
import asyncio
import csv
import os
import sys
import textwrap

HOSTNAME = "mx.receiver.e2e.test"


def load_replies(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def reply_lines(row, client_ip):
    """The reply of a row as the list of lines sent (without CRLF)."""
    text = row["text"].replace("[IP]", f"[{client_ip}]").replace("x.x.x.x", client_ip)
    code, enhanced = row["smtp_code"], row["enhanced_code"]
    prefix = f"{enhanced} " if enhanced else ""
    width = int(row["wrap"] or 0)
    chunks = textwrap.wrap(text, width, break_on_hyphens=False) if width > 0 else [text]
    lines = []
    for i, chunk in enumerate(chunks):
        sep = " " if i == len(chunks) - 1 else "-"
        lines.append(f"{code}{sep}{prefix}{chunk}")
    return lines


class Server:
    def __init__(self, rows, transcript):
        self.by_rcpt = {r["recipient"].lower(): r for r in rows if r["stage"] in ("rcpt", "data")}
        greet = [r for r in rows if r["stage"] == "greeting"]
        self.greeting_row = greet[0] if greet else None
        self.transcript = transcript
        self.session = 0

    def log(self, sid, direction, line):
        self.transcript.write(f"{sid}\t{direction}\t{line}\n")
        self.transcript.flush()

    async def send(self, sid, writer, lines):
        for line in lines:
            self.log(sid, "S", line)
        writer.write("".join(l + "\r\n" for l in lines).encode("utf-8"))
        await writer.drain()

    async def handle(self, reader, writer, listener):
        self.session += 1
        sid = f"{listener}#{self.session}"
        client_ip = writer.get_extra_info("peername")[0]
        try:
            if listener == "greeting":
                row = self.greeting_row
                await self.send(sid, writer, reply_lines(row, client_ip))
                return
            await self.send(sid, writer, [f"220 {HOSTNAME} ESMTP e2e"])
            rcpts = []  # rows (or None) of recipients accepted in this transaction
            while True:
                raw = await reader.readline()
                if not raw:
                    return
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.log(sid, "C", line)
                verb = line[:4].upper()
                if verb == "EHLO":
                    await self.send(sid, writer, [f"250-{HOSTNAME}", "250-SIZE 10240000", "250 8BITMIME"])
                elif verb == "HELO":
                    await self.send(sid, writer, [f"250 {HOSTNAME}"])
                elif verb == "MAIL":
                    rcpts = []
                    await self.send(sid, writer, ["250 2.1.0 Ok"])
                elif verb == "RCPT":
                    addr = line[line.find("<") + 1:line.rfind(">")].lower() if "<" in line else ""
                    row = self.by_rcpt.get(addr)
                    if row is not None and row["stage"] == "rcpt" and not row["smtp_code"].startswith("2"):
                        await self.send(sid, writer, reply_lines(row, client_ip))
                    else:
                        rcpts.append(row)
                        await self.send(sid, writer, ["250 2.1.5 Ok"])
                elif verb == "DATA":
                    if not rcpts:
                        await self.send(sid, writer, ["503 5.5.1 Error: need RCPT command"])
                        continue
                    await self.send(sid, writer, ["354 End data with <CR><LF>.<CR><LF>"])
                    while True:
                        body = await reader.readline()
                        if not body or body in (b".\r\n", b".\n"):
                            break
                    self.log(sid, "C", "<message>.")
                    data_rows = [r for r in rcpts if r is not None and r["stage"] == "data"]
                    if data_rows:
                        await self.send(sid, writer, reply_lines(data_rows[0], client_ip))
                    else:
                        await self.send(sid, writer, [f"250 2.0.0 Ok: queued as E2E{self.session}"])
                    rcpts = []
                elif verb == "RSET":
                    rcpts = []
                    await self.send(sid, writer, ["250 2.0.0 Ok"])
                elif verb == "NOOP":
                    await self.send(sid, writer, ["250 2.0.0 Ok"])
                elif verb == "QUIT":
                    await self.send(sid, writer, ["221 2.0.0 Bye"])
                    return
                else:
                    await self.send(sid, writer, ["502 5.5.2 Error: command not recognized"])
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def main():
    replies, ports_file, transcript_file = sys.argv[1:4]
    rows = load_replies(replies)
    with open(transcript_file, "a", encoding="utf-8") as transcript:
        server = Server(rows, transcript)
        main_srv = await asyncio.start_server(
            lambda r, w: server.handle(r, w, "main"), "127.0.0.1", 0)
        greet_srv = await asyncio.start_server(
            lambda r, w: server.handle(r, w, "greeting"), "127.0.0.1", 0)
        ports = (main_srv.sockets[0].getsockname()[1], greet_srv.sockets[0].getsockname()[1])
        tmp = ports_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"main {ports[0]}\ngreeting {ports[1]}\n")
        os.replace(tmp, ports_file)
        async with main_srv, greet_srv:
            await asyncio.gather(main_srv.serve_forever(), greet_srv.serve_forever())


if __name__ == "__main__":
    asyncio.run(main())
