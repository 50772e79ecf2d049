#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Count the results of a harness run and find kernel reports in its logs.

Reads KTAP (kselftest and KUnit, nested or flat) from the KUnit log, the guest
serial log, and result files of lint and compat checks. Every leaf result is
one test; a skip counts as neither passed nor failed and is listed with its
reason. A kernel WARNING, BUG, Oops, KASAN/UBSAN or lockdep report, a crash, a
timeout, a test program that ended without all its results, or one that did
not run at all each count as one failure. The last line printed is
'N passed, N failed'; the exit status is 1 if anything failed.
"""
import argparse
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok) (\d+)\b\s*(?:- )?(.*?)\s*$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
DIRECTIVE = re.compile(r'\s*#\s*(SKIP|TODO|XFAIL)\b:?\s*(.*)$', re.I)
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
REPORT = re.compile(r'WARNING:|BUG:|Oops|KASAN:|UBSAN:|Kernel panic|general protection fault'
                    r'|rcu: INFO:|RCU stall|INFO: task .* blocked|refcount_t:|list_(add|del) corruption'
                    r'|DEBUG_LOCKS_WARN_ON|possible (circular|recursive) locking|inconsistent lock state')
# KUnit suites may provoke the core's own API-misuse warnings on purpose.
KUNIT_EXPECTED_WARN = re.compile(r'WARNING: CPU: \d+ PID: \d+ at drivers/dma-buf/dma-buf-[a-z]+\.c:\d+')
END_TRACE = re.compile(r'---\[ end trace')
# DMA API debugging findings about stock 6.12 drivers, with the stock core too:
# udmabuf syncs the table it mapped for its first CPU access in the direction
# of each later one; vgem, vkms and vivid set no DMA segment limit (64 KiB by
# default) and get tables with longer segments. Anything else still fails.
GUEST_KNOWN_WARN = re.compile(
    r'DMA-API: (misc udmabuf: device driver syncs .* \[mapped with DMA_(TO|FROM)_DEVICE\]'
    r'|(platform vgem|platform vkms|vivid vivid\.\d+): mapping sg segment longer than device'
    r' claims to support )')


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = []
        self.skipped = []

    def fail(self, what):
        self.failed.append(what)


def clean(line):
    return TIMESTAMP.sub('', line.rstrip('\r\n'))


def parse_ktap(lines, where, tally):
    """Count the leaf results of one KTAP stream; check every plan is met."""
    plans = {}          # indent -> [planned, seen]
    prev_indent = None
    children_failed = {}  # indent -> a deeper result failed since the last result here
    for raw in lines:
        line = clean(raw)
        m = PLAN.match(line)
        if m:
            plans[len(m.group(1))] = [int(m.group(2)), 0]
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, status, desc = len(m.group(1)), m.group(2), m.group(4)
        directive = DIRECTIVE.search(desc)
        name = DIRECTIVE.sub('', desc).strip() or f'#{m.group(3)}'
        label = f'{where}: {name}'
        is_parent = prev_indent is not None and prev_indent > indent
        deeper_failed = any(v for k, v in children_failed.items() if k > indent)
        if is_parent:
            # close the nested plans and report results they are missing
            for k in sorted([k for k in plans if k > indent]):
                planned, seen = plans.pop(k)
                if seen < planned:
                    tally.fail(f'{label}: {planned - seen} of {planned} results missing')
            if status == 'not ok' and not deeper_failed and not directive:
                tally.fail(f'{label}: failed')
        elif directive and directive.group(1).upper() == 'SKIP':
            tally.skipped.append(f'{label}: {directive.group(2) or "no reason given"}')
        elif status == 'ok':
            tally.passed += 1
        else:
            tally.fail(f'{label}: failed')
        for k in [k for k in children_failed if k > indent]:
            del children_failed[k]
        if status == 'not ok' and not is_parent:
            children_failed[indent] = True
        if indent in plans:
            plans[indent][1] += 1
        prev_indent = indent
    for k, (planned, seen) in plans.items():
        if seen < planned:
            tally.fail(f'{where}: {planned - seen} of {planned} results missing')


def scan_kernel_log(lines, where, tally, kunit=False):
    """One failure per kernel report (a report and its trace count once)."""
    skipping = False
    last = -100
    known = KUNIT_EXPECTED_WARN if kunit else GUEST_KNOWN_WARN
    for i, raw in enumerate(lines):
        line = clean(raw)
        if skipping:
            skipping = not END_TRACE.search(line)
            continue
        if known.search(line):
            skipping = True
            continue
        stripped = line.lstrip()
        if stripped.startswith(('#', 'ok ', 'not ok ')):
            continue
        if REPORT.search(line):
            if i - last > 40:
                tally.fail(f'{where}: kernel report: {line.strip()}')
            last = i


def guest(path, expected_path, tally):
    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError:
        tally.fail(f'guest: no log at {path}')
        return
    expected = []
    if expected_path:
        expected = [t for t in open(expected_path).read().split() if t]
    sections, current, ran = {}, None, set()
    for raw in lines:
        line = clean(raw)
        m = re.match(r'^### BEGIN (\S+)', line)
        if m:
            current = m.group(1)
            sections[current] = []
            ran.add(current)
            continue
        m = re.match(r'^### END (\S+) rc=(\d+)', line)
        if m and current == m.group(1):
            t = Tally()
            parse_ktap(sections[current], current, t)
            if not t.failed and not t.passed and not t.skipped:
                t.fail(f'{current}: printed no results')
            rc = int(m.group(2))
            if rc == 124 or rc == 143:
                t.fail(f'{current}: timed out')
            elif rc and not t.failed:
                t.fail(f'{current}: exit code {rc} without a failed test')
            tally.passed += t.passed
            tally.failed += t.failed
            tally.skipped += t.skipped
            sections[current] = None
            current = None
            continue
        if current:
            sections[current].append(line)
    if current:
        tally.fail(f'{current}: never finished (crash or timeout)')
    for t in expected:
        if t not in ran:
            tally.fail(f'{t}: did not run')
    if not any('### ALL DONE' in l for l in lines):
        tally.fail('guest: did not reach the end of the test list')
    if any('### HARNESS TIMEOUT' in l for l in lines):
        tally.fail('guest: timed out')
    scan_kernel_log(lines, 'guest', tally)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--kunit', action='append', default=[],
                    help='[NAME=]FILE: raw output of one kunit.py run')
    ap.add_argument('--guest', help='serial log of the guest')
    ap.add_argument('--guest-tests', help='file listing the test programs of the guest')
    ap.add_argument('--ktap', action='append', default=[],
                    help='NAME=FILE: plain KTAP results of another check (lint, compat)')
    args = ap.parse_args()
    tally = Tally()

    for spec in args.kunit:
        name, _, path = spec.rpartition('=')
        name = name or 'kunit'
        try:
            lines = open(path, errors='replace').read().splitlines()
        except OSError:
            lines = []
        before = (tally.passed, len(tally.failed), len(tally.skipped))
        parse_ktap(lines, name, tally)
        if (tally.passed, len(tally.failed), len(tally.skipped)) == before:
            tally.fail(f'{name}: no results (build failure or crash; see {path})')
        scan_kernel_log(lines, name, tally, kunit=True)
    if args.guest:
        guest(args.guest, args.guest_tests, tally)
    for spec in args.ktap:
        name, _, path = spec.partition('=')
        try:
            lines = open(path, errors='replace').read().splitlines()
        except OSError:
            tally.fail(f'{name}: no results at {path}')
            continue
        parse_ktap(lines, name, tally)

    for s in tally.skipped:
        print(f'skipped: {s}')
    for f in tally.failed:
        print(f'FAILED: {f}')
    print(f'{tally.passed} passed, {len(tally.failed)} failed')
    return 1 if tally.failed else 0


if __name__ == '__main__':
    sys.exit(main())
