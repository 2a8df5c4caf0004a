#!/usr/bin/env python3
"""Writes a large Postfix log for throughput and memory measurements (docs/performance.md).

usage: gen-postfix-log.py OUTPUT SIZE_MB

Repeats samples/postfix-campaign.log (a realistic campaign built from real provider replies) with
fresh queue ids and recipient local parts on each copy, so that the join by queue id and the
per-recipient work are real, while the reply texts repeat as they do on a real send.
"""
import os
import re
import sys

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out_path, size_mb = sys.argv[1], int(sys.argv[2])
    here = os.path.dirname(os.path.abspath(__file__))
    lines = open(os.path.join(here, '..', 'samples', 'postfix-campaign.log')).read().splitlines()
    queue_id = re.compile(r'\b([0-9A-F]{10})\b')
    local = re.compile(r'<([a-z]+)\.([a-z]+\d*)@')
    target = size_mb * 1024 * 1024
    written = copy = 0
    with open(out_path, 'w') as out:
        while written < target:
            tag = '%05X' % (copy % 0x100000)
            text = '\n'.join(local.sub(lambda m: '<%s.%s%d@' % (m.group(1), m.group(2), copy),
                                       queue_id.sub(lambda m: m.group(1)[:5] + tag, l))
                             for l in lines) + '\n'
            out.write(text)
            written += len(text)
            copy += 1
    print(f'{out_path}: {written} bytes, {copy} copies of the sample campaign')

if __name__ == '__main__':
    main()
