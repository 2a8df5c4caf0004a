#!/usr/bin/env python3
# Instructions per call, inclusive, of the classifier's phases in a callgrind profile: the total
# cost of each call site divided by its number of calls (callgrind_annotate shows totals only).
# Usage: bench/callgrind-per-call.py callgrind.out [NAME-SUBSTRING...] (see docs/performance.md).
import collections
import re
import sys

DEFAULT = ['ClassifierSession::classify', 'parse_reply', 'make_template', 'hs_scan', 'PartialMatchN']


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: callgrind-per-call.py callgrind.out [NAME-SUBSTRING...]')
    names = {}

    def name(rest):
        # Compressed names: "(12) full name" the first time, "(12)" afterwards.
        m = re.match(r'\((\d+)\)(?: (.*))?', rest)
        if not m:
            return rest
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names[m.group(1)]

    calls, cost = collections.Counter(), collections.Counter()
    fn = callee = None
    pending = None
    with open(sys.argv[1], errors='replace') as f:
        for line in f:
            if line.startswith('fn='):
                fn = name(line[3:].rstrip('\n'))
            elif line.startswith('cfn='):
                callee = name(line[4:].rstrip('\n'))
            elif line.startswith('calls='):
                pending = int(line[6:].split()[0])
            elif pending is not None and line[:1] and (line[0].isdigit() or line[0] in '+-*'):
                parts = line.split()
                if callee != fn:  # recursion would count twice
                    calls[callee] += pending
                    cost[callee] += int(parts[1]) if len(parts) > 1 else 0
                pending = None
    wanted = sys.argv[2:] or DEFAULT
    for k in sorted(cost, key=lambda k: -cost[k]):
        if any(w in k for w in wanted):
            print(f'{cost[k] / calls[k]:10.0f} per call {calls[k]:9d} calls  {k[:140]}')


if __name__ == '__main__':
    main()
