#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The table of make bench: ns/op of every figure in each guest's log, ours
against stock (and ours+sysfs against stock+sysfs), with the ratio.

    bench.py --run stock=LOG --run ours=LOG [--run stock-sysfs=LOG
             --run ours-sysfs=LOG] [--run ours-tp-off=LOG
             --run ours-tp-on=LOG] [--times FILE] [--json FILE]
             [--output FILE] [--iters N --reps N]

A log line "BENCH <name> <median total ns> <operations>" is one figure (the
kernel's own lines may carry a timestamp); "BENCH <name> n/a" marks a figure
a kernel cannot have, "BENCH <name> fail ..." one that failed. With --json
the figures are also written there, and those of the run before, found
there, are compared: the largest deviation is printed under the table.
The ours-tp-off and ours-tp-on runs (ours with the trace events compiled
in, disabled and enabled) get a second table against ours.
"""

import argparse
import json
import os
import re
import sys

LINE = re.compile(r'^(?:<\d+>)?(?:\[[^\]]*\]\s*)?BENCH (\S+) (.*)$')
SLOWER = 1.02  # ours more than 2 % slower than stock gets a mark
PAIRS = [('stock', 'ours'), ('stock-sysfs', 'ours-sysfs')]
TRACE_RUNS = [('ours-tp-off', '+tp-off'), ('ours-tp-on', '+tp-on')]

SECTIONS = [
    ('userspace, harness/bench/dmabuf-bench.c (system heap, udmabuf, sw_sync, vgem)', 'user'),
    ('in kernel, harness/bench/kmod (the module\'s own exporter)', 'kernel'),
]


def parse_log(path):
    """{name: ns/op or 'n/a' or 'fail'}, the names in order, the section of
    each, the kernel release, the kernel's complaints and the init's lines
    about tracing, from one log."""
    figures, order, section, problems, trace = {}, [], {}, [], []
    where, release = 'user', None
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\r\n')
            if line.startswith('### BENCH BEGIN'):
                release = line.split()[-1]
            if line.startswith('### TRACE '):
                trace.append(line[len('### TRACE '):].strip())
            if 'BENCH-KMOD BEGIN' in line:
                where = 'kernel'
            if re.search(r'WARNING:|BUG:|Oops|Call Trace:|Kernel panic', line):
                problems.append(line.strip())
            m = LINE.match(line)
            if not m:
                continue
            name, rest = m.group(1), m.group(2).split()
            if not rest:
                continue
            if rest[0] == 'n/a':
                value = 'n/a'
            elif rest[0] == 'fail':
                value = 'fail'
            else:
                try:
                    value = int(rest[0]) / int(rest[1])
                except (ValueError, IndexError, ZeroDivisionError):
                    continue
            if name not in figures:
                order.append(name)
                section[name] = where
            figures[name] = value
    return figures, order, section, release, problems, trace


def group_key(order):
    """Sort key that keeps a figure's sizes together, in increasing order:
    "export@1000" and "export@0" group under "export", "iter@100/buf" under
    "iter/buf"; otherwise the order the guests printed."""
    def split(name):
        m = re.match(r'^(.*)@(\d+)(.*)$', name)
        return (m.group(1) + m.group(3), int(m.group(2))) if m else (name, -1)
    first = {}
    for i, name in enumerate(order):
        first.setdefault(split(name)[0], i)
    return lambda name: (first[split(name)[0]], split(name)[1])


def fmt(value):
    if isinstance(value, str):
        return value
    if value >= 100:
        return '%.0f' % value
    return '%.1f' % value


def ratio(stock, ours):
    if isinstance(stock, str) or isinstance(ours, str) or not stock:
        return None
    return ours / stock


def by_section(order, section):
    """(title, None) at the start of each section that has operations, then
    (None, name) for each of them, in the order of the runs."""
    for title, key in SECTIONS:
        names = [n for n in order if section[n] == key]
        if names:
            yield title, None
        for name in names:
            yield None, name


def build_table(runs, times, iters, reps):
    data = {v: parse_log(path) for v, path in runs.items()}
    pairs = [p for p in PAIRS if p[0] in data and p[1] in data]
    # the names in the order the guests printed them, ours first (it has
    # figures stock cannot have)
    order, section = [], {}
    for v in ('ours', 'stock', 'ours-sysfs', 'stock-sysfs'):
        if v not in data:
            continue
        for name in data[v][1]:
            if name not in section:
                order.append(name)
                section[name] = data[v][2][name]

    order = sorted(order, key=group_key(order))
    width = max([len(n) for n in order] + [20]) + 2
    head = '%-*s' % (width, 'operation (ns/op)')
    for s, o in pairs:
        head += ' %12s %12s %7s' % (s, o, 'ratio')
        if (s, o) != pairs[-1]:
            head += '  |'
    lines = []
    release = next((d[3] for d in data.values() if d[3]), '?')
    lines.append('dma-buf core benchmark, ns per operation: the median of %s timed batches '
                 'of %s operations (x10 for the cheapest, fewer for bufinfo and iter)'
                 % (reps, iters))
    lines.append('guests: Linux %s x86_64, harness/bench.config (no debugging, -O2), '
                 'QEMU TCG -icount shift=0 (1 instruction = 1 ns), 1 CPU' % release)
    lines.append('name@N: with N live buffers; /buf: per buffer listed or visited; '
                 'ratio = ours / stock, "*": ours more than %d%% slower'
                 % round((SLOWER - 1) * 100))
    lines.append('')
    lines.append(head.rstrip())
    lines.append('-' * len(head.rstrip()))
    slower = []
    for title, name in by_section(order, section):
        if title:
            lines.append(title)
            continue
        row = '  %-*s' % (width - 2, name)
        for s, o in pairs:
            a = data[s][0].get(name, '-')
            b = data[o][0].get(name, '-')
            r = ratio(a, b)
            mark = ' '
            if r is not None and r > SLOWER:
                mark = '*'
                slower.append((name, o, r))
            row += ' %12s %12s %6s%s' % (fmt(a), fmt(b),
                                          '%.2f' % r if r is not None else 'n/a', mark)
            if (s, o) != pairs[-1]:
                row += ' |'
        lines.append(row.rstrip())
    lines.append('')
    if slower:
        # one entry per operation, with the ratio of each pair it is slower in
        ratios = {}
        for name, o, r in slower:
            ratios.setdefault(name, []).append('%.2f' % r if o == 'ours'
                                               else '%s %.2f' % (o, r))
        lines.append('ours more than %d%% slower: %s' % (
            round((SLOWER - 1) * 100),
            '; '.join('%s %s' % (n, ', '.join(r)) for n, r in ratios.items())))
    else:
        lines.append('ours is nowhere more than %d%% slower' % round((SLOWER - 1) * 100))
    for v, d in data.items():
        for p in d[4][:5]:
            lines.append('kernel report in %s: %s' % (v, p))
    lines += trace_table(data, order, section, width)
    if times:
        lines.append('seconds: ' + ', '.join('%s %s %s' % t for t in times))
    return lines, {v: d[0] for v, d in data.items()}


def trace_table(data, order, section, width):
    """ours against ours with the trace events compiled in, disabled and
    enabled: the lines of a second table, or none without those runs."""
    runs = [(v, label) for v, label in TRACE_RUNS if v in data]
    if 'ours' not in data or not runs:
        return []
    lines = ['', 'trace events: ours against ours-trace (harness/bench-trace.config: '
             'tracefs and event tracing), booted', 'twice: the dma_buf events '
             'compiled in but disabled (tp-off), then all enabled (tp-on); ratio = '
             'ours-trace / ours, "*": more than %d%% slower' % round((SLOWER - 1) * 100), '']
    head = '%-*s %12s' % (width, 'operation (ns/op)', 'ours')
    for v, label in runs:
        head += ' %12s %7s' % (label, 'ratio')
    lines.append(head)
    lines.append('-' * len(head))
    spread = {v: [] for v, _ in runs}
    for title, name in by_section(order, section):
        if title:
            lines.append(title)
            continue
        base = data['ours'][0].get(name, '-')
        row = '  %-*s %12s' % (width - 2, name, fmt(base))
        for v, label in runs:
            value = data[v][0].get(name, '-')
            r = ratio(base, value)
            if r is not None:
                spread[v].append((r, name))
            row += ' %12s %6s%s' % (fmt(value), '%.2f' % r if r is not None else 'n/a',
                                    '*' if r is not None and r > SLOWER else ' ')
        lines.append(row.rstrip())
    lines.append('')
    for v, label in runs:
        if spread[v]:
            lo, hi = min(spread[v]), max(spread[v])
            lines.append('ours%s / ours: %.2f (%s) to %.2f (%s)'
                         % (label, lo[0], lo[1], hi[0], hi[1]))
        for note in data[v][5]:
            lines.append('%s: %s' % (v, note))
    return lines


def deviation(previous, current):
    """The largest relative difference of a figure between two runs."""
    worst = (0.0, None)
    for v, figures in current.items():
        for name, value in figures.items():
            old = previous.get(v, {}).get(name)
            if isinstance(value, str) or not isinstance(old, (int, float)) or not old:
                continue
            d = abs(value - old) / old
            if d > worst[0]:
                worst = (d, '%s %s' % (v, name))
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--run', action='append', default=[], metavar='VARIANT=LOG')
    ap.add_argument('--times')
    ap.add_argument('--json')
    ap.add_argument('--output')
    ap.add_argument('--iters', default='?')
    ap.add_argument('--reps', default='?')
    args = ap.parse_args()

    runs = dict(r.split('=', 1) for r in args.run)
    times = []
    if args.times and os.path.exists(args.times):
        with open(args.times) as f:
            times = [tuple(line.split()) for line in f if len(line.split()) == 3]
    lines, figures = build_table(runs, times, args.iters, args.reps)

    if args.json:
        if os.path.exists(args.json):
            with open(args.json) as f:
                previous = json.load(f)
            worst, where = deviation(previous, figures)
            if where:
                lines.append('largest change from the previous run: %.2f%% (%s)'
                             % (worst * 100, where))
            os.replace(args.json, args.json.replace('.json', '-prev.json'))
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=1, sort_keys=True)

    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    if args.output:
        with open(args.output, 'w') as f:
            f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
