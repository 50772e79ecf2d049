#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Count the results of a harness run and find kernel reports in its logs.

Reads KTAP (kselftest and KUnit, nested or flat) from the KUnit logs, the guest
serial log, and result files of lint and compat checks. Every leaf result is
one test; a skip counts as neither passed nor failed and is listed with its
reason. A kernel WARNING, BUG, Oops, KASAN/UBSAN/KCSAN, lockdep, kmemleak or
DMA-API report, a crash, a timeout, a test program that ended without all its
results, or one that did not run at all each count as one failure.

The KUnit and guest results are held against the committed inventory of
every case (harness/inventory.txt): a case missing from the run, a case the
inventory does not know, and a skip the inventory does not expect, with its
reason, each fail the run. --write-inventory rewrites the inventory from the
logs given instead.

In KUnit logs only, a WARNING is accepted when it comes from one of the
core's files, drivers/dma-buf/dma-buf-*.c, and the line right after it is the
message of dma_buf_misuse(), 'dma-buf: API misuse in NAME', with NAME listed
in harness/expected-warnings: the API misuse the KUnit suites provoke on
purpose. Without a KUnit filter, a listed name that no KUnit log shows fails
the run too, so that the list cannot outlive the misuse it was made for.

A KCSAN data race counts only when it is ours: when the functions it names
or a frame of either access's stack trace is defined in the core's files
(drivers/dma-buf/dma-buf-*.c, include/linux/dma-buf.h) or its tests
(drivers/dma-buf/tests/). Races elsewhere are listed, not counted.

The last line printed is 'N passed, N failed'; the exit status is 1 if
anything failed.
"""
import argparse
import fnmatch
import os
import re
import sys

# --- KTAP -------------------------------------------------------------------

RESULT = re.compile(r'^(\s*)(not ok|ok) (\d+)\b\s*(?:- )?(.*?)\s*$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
VERSION = re.compile(r'^(\s*)K?TAP version \d+')
SUBTEST = re.compile(r'^(\s*)# Subtest: (.*?)\s*$')
DIRECTIVE = re.compile(r'\s*#\s*(SKIP|TODO|XFAIL)\b:?\s*(.*)$', re.I)
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')

# --- kernel reports -----------------------------------------------------------

# Report headers distinct enough to be looked for anywhere in any line, also
# in a KTAP result or diagnostic line the console interleaved them into.
MARKER = re.compile('|'.join([
    r'-{12}\[ cut here \]-{12}',
    r'WARNING: CPU: \d+ PID: \d+ at ',
    r'BUG: (?:KASAN|KFENCE|KCSAN|KMSAN): ',
    r'BUG: (?:sleeping function called from invalid context|scheduling while atomic'
    r'|scheduling in a non-blocking section|assuming (?:atomic|non migratable) context'
    r'|unable to handle|kernel NULL pointer dereference|soft lockup|workqueue lockup'
    r'|spinlock |rwlock |using smp_processor_id\(\) in preemptible|Bad page|Bad rss-counter'
    r'|looking up invalid subclass|key \S+ has not been registered|MAX_\w+ too low)',
    r'\[ BUG: Invalid wait context \]',
    r'(?:WARNING|BUG): (?:possible circular locking dependency|possible recursive locking'
    r'|bad unlock balance|inconsistent lock state|possible irq lock inversion'
    r'|\S+-safe -> \S+-unsafe lock order|suspicious RCU usage|held lock freed'
    r'|lock held when returning to user space|Nested lock was not taken|bad contention'
    r'|chain_key collision|\S+/\d+ still has locks held)',
    r'INFO: trying to register non-static key',
    r'INFO: task .* blocked for more than \d+ seconds',
    r'rcu: INFO: ',
    r'kernel BUG at \S+:\d+',
    r'Oops: .*\[#\d+\]',
    r'Kernel panic - not syncing',
    r'UBSAN: [\w-]+ in \S+:\d+',
    r'DEBUG_LOCKS_WARN_ON\(',
    r'refcount_t: (?:underflow|overflow|saturated|addition on 0|decrement hit 0)',
    r'list_(?:add|del) corruption',
    r'unreferenced object 0x[0-9a-f]+ \(size \d+\)',
    r'kmemleak: \d+ new suspected memory leaks',
    r'DMA-API: (?:\S+ \S+: |exceeded \d+ overlapping|debugging out of memory)',
    r'^BUG \S+ \((?:Not tainted|Tainted: [^)]*)\): ',
    r'Watchdog detected hard LOCKUP',
    # the core's own check of mapped tables under CONFIG_DMA_API_DEBUG
    r'dma-buf: exporter mapped \S+, not page aligned',
]))
# Words that mark a kernel report in a kernel line, but could just as well be
# part of a test's description or diagnostic: looked for anywhere in lines
# that are not KTAP, and in KTAP lines only after an interleaved timestamp.
GENERIC = re.compile(r'WARNING:|BUG:|Oops|KASAN:|UBSAN:|KCSAN:|KFENCE:|Kernel panic'
                     r'|general protection fault|RCU stall|DMA-API: .*device driver')
KTAP_LINE = re.compile(r'^\s*(?:#|(?:not )?ok\b|K?TAP version|1\.\.\d)')
INTERLEAVED = re.compile(r'\[\s*\d+\.\d{6}\]\s?(.*)')
CUT_HERE = re.compile(r'-{12}\[ cut here \]-{12}')
# A WARNING of one of the core's own files, on a line of its own. The
# function it names is not looked at: after a tail call it is the caller.
OUR_WARNING = re.compile(r'WARNING: CPU: \d+ PID: \d+ at '
                         r'drivers/dma-buf/dma-buf-[A-Za-z0-9_-]+\.c:\d+ \S+')
# The message of dma_buf_misuse() (drivers/dma-buf/dma-buf-internal.h): on
# UML, where KUnit runs, __warn() prints it on the line after the WARNING.
MISUSE = re.compile(r'dma-buf: API misuse in ([A-Za-z_]\w*)')
# The lines of a WARNING's own report (x86 and UML forms): only these are
# passed over after an accepted WARNING. Anything else ends the trace.
TRACE = re.compile(r'''^\s*(?:
      Modules\ linked\ in:.*
    | CPU:\ \d+\ (?:UID:\ \d+\ )?PID:\ \d+\ Comm:.*
    | Tainted:\ (?:\[\w\]=\w+(?:,\ )?)+
    | Hardware\ name:.*
    | Workqueue:\ .*
    | Stack:
    | (?:[0-9a-f]{8,16}\ ?)+
    | Call\ Trace:
    | \[<[0-9a-f]+>\]\ (?:\?\ )?(?:[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+(?:\ \[\w+\])?|0x[0-9a-f]+)
    | (?:\?\ )?[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+(?:\ \[\w+\])?
    | </?(?:TASK|IRQ|NMI|SOFTIRQ|EOI)>
    | (?:RIP|EIP):\ [0-9a-f]{4}:\S+
    | Code:\ [0-9a-f<>()\ ]+
    | (?:[A-Za-z][A-Za-z0-9]{1,5}:\ *[0-9a-f]{4,}(?:\([0-9a-f]{4}\))?(?::[0-9a-f]+)?\ *)+
    | irq\ event\ stamp:\ \d+
    | (?:hard|soft)irqs\ last\ +(?:en|dis)abled\ at\ \(\d+\):\ \[<[0-9a-f]+>\]\ \S+
    | ---\[\ end\ trace\ [0-9a-f]+\ \]---
    )\s*$''', re.X)
# The WARNING that kernel/dma/debug.c prints after each of its findings.
DMA_DEBUG_WARNING = re.compile(r'WARNING: CPU: \d+ PID: \d+ at kernel/dma/debug\.c:\d+ ')
# A 'cut here' is followed by its report within a few lines (on x86 a WARN()
# message comes in between).
CUT_HERE_LINES = 5
# Reports closer together than this many lines count once.
SAME_REPORT_LINES = 10

# A KCSAN report runs from its 'BUG: KCSAN:' line to a line of '=' signs.
KCSAN_HEAD = re.compile(r'BUG: KCSAN: (.*?)\s*$')
KCSAN_END = re.compile(r'^={40,}\s*$')
KCSAN_FRAME = re.compile(r'^\s*(?:\?\s*)?([A-Za-z_]\w*)(?:\.\w+)*\+0x[0-9a-f]+/0x[0-9a-f]+')
KCSAN_NAMES = re.compile(r'\bin ([A-Za-z_]\w*)(?:\.\w+)*(?: / ([A-Za-z_]\w*)(?:\.\w+)*)?')
# Functions defined at the start of a line (kernel style), in our files.
DEFINITION = re.compile(r'^(?!return\b|else\b|do\b)[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\(',
                        re.M)
OUR_SOURCES = ['drivers/dma-buf/dma-buf-*.c', 'drivers/dma-buf/tests/*.c',
               'include/linux/dma-buf.h']

HERE = os.path.dirname(os.path.abspath(__file__))
INVENTORY_HEADER = """\
# The inventory of every KUnit and kselftest case the harness runs, read by
# harness/report.py --inventory. A case missing from a run, a case not listed
# here, a skip not listed here (or skipped for another reason), and a listed
# skip that passed all fail the run.
#
# One case per line, columns separated by two or more spaces:
#   KIND   SOURCE  PATH  EXPECTATION
# KIND is kunit (SOURCE is the configuration: --kunit SOURCE=LOG) or guest
# (SOURCE is the test program in the guest). PATH is the case's name joined to
# those of its parents by dots: suite.test[.parameter] for KUnit, the TAP name
# (fixture.variant.test) for kselftests. EXPECTATION is pass, or
# "skip: REASON" with the reason the test prints.
#
# After adding, removing or renaming tests, regenerate it from the logs of a
# full make check and review the diff:
#   harness/report.py --kunit kunit=out/kunit.log --kunit kunit-min=out/kunit-min.log \
#       --guest out/guest.log --write-inventory harness/inventory.txt
# Entries of configurations and programs the run did not cover are kept; the
# others are replaced by what ran. Comments other than this header are not kept.
"""


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = []
        self.skipped = []
        self.known = []

    def fail(self, what):
        self.failed.append(what)


def clean(line):
    return TIMESTAMP.sub('', line.rstrip('\r\n'))


def norm(text):
    return ' '.join(text.split())


def read_lines(path):
    with open(path, errors='replace') as f:
        return f.read().splitlines()


# --- KTAP parsing ---------------------------------------------------------------

def fold(pending, subtests, indent, name=None):
    """Move the results nested deeper than indent up to indent.

    Each nested block's results get the block's name prefixed: name, from the
    result line that closes the block, for the outermost block; otherwise (a
    block that never closed, its kernel crashed) that of its '# Subtest:'.
    """
    levels = sorted({k for k in pending if k > indent} | {k for k in subtests if k > indent},
                    reverse=True)
    for i, level in enumerate(levels):
        outer = levels[i + 1] if i + 1 < len(levels) else indent
        block = name if name is not None and outer == indent else subtests.get(level, '?')
        pending.setdefault(outer, []).extend(
            ([block] + path, status, reason) for path, status, reason in pending.pop(level, []))
        subtests.pop(level, None)


def parse_ktap(lines, where, tally):
    """Return the leaf results of one KTAP stream as (path, status, reason).

    path is the list of names from the outermost block to the leaf; status is
    pass, fail, skip, xfail or todo. A plan that is not met and a parent that
    failed without a failed child are counted as failures into tally.
    """
    plans = {}            # indent -> [planned, seen]
    subtests = {}         # indent -> name from the '# Subtest:' of the open block
    pending = {}          # indent -> results waiting for the name of their block
    children_failed = {}  # indent -> a deeper result failed since the last result here
    root = None
    for raw in lines:
        line = clean(raw)
        m = VERSION.match(line) or PLAN.match(line)
        if m and root is None:
            root = len(m.group(1))
        m = SUBTEST.match(line)
        if m:
            subtests[len(m.group(1))] = norm(m.group(2))
            continue
        m = PLAN.match(line)
        if m:
            plans[len(m.group(1))] = [int(m.group(2)), 0]
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, ok, desc = len(m.group(1)), m.group(2) == 'ok', m.group(4)
        if root is None:
            root = indent
        directive = DIRECTIVE.search(desc)
        name = norm(DIRECTIVE.sub('', desc)) or f'#{m.group(3)}'
        label = f'{where}: {name}'
        is_parent = any(k > indent for k in pending)
        deeper_failed = any(v for k, v in children_failed.items() if k > indent)
        if is_parent:
            # close the nested plans and report results they are missing
            for k in sorted([k for k in plans if k > indent]):
                planned, seen = plans.pop(k)
                if seen < planned:
                    tally.fail(f'{label}: {planned - seen} of {planned} results missing')
            if not ok and not deeper_failed and not directive:
                tally.fail(f'{label}: failed')
            fold(pending, subtests, indent, name)
        else:
            if directive and directive.group(1).upper() == 'SKIP':
                status = 'skip'
            elif not ok:
                status = 'fail'
            elif directive:
                status = directive.group(1).lower()
            else:
                status = 'pass'
            reason = norm(directive.group(2)) if directive else ''
            pending.setdefault(indent, []).append(([name], status, reason))
        for k in [k for k in children_failed if k > indent]:
            del children_failed[k]
        if not ok and not is_parent:
            children_failed[indent] = True
        if indent in plans:
            plans[indent][1] += 1
    for k, (planned, seen) in plans.items():
        if seen < planned:
            tally.fail(f'{where}: {planned - seen} of {planned} results missing')
    root = root or 0
    fold(pending, subtests, root)
    return [('.'.join(path), status, reason) for path, status, reason in pending.get(root, [])]


def count(results, where, tally):
    """Count results the way they come, without an inventory."""
    for path, status, reason in results:
        if status == 'skip':
            tally.skipped.append(f'{where}: {path}: {reason or "no reason given"}')
        elif status == 'fail':
            tally.fail(f'{where}: {path}: failed')
        else:
            tally.passed += 1


# --- kernel reports ------------------------------------------------------------

def is_report(line):
    if MARKER.search(line):
        return True
    if not KTAP_LINE.match(line):
        return bool(GENERIC.search(line))
    # a KTAP line: only what the kernel interleaved into it, after its timestamp
    return any(GENERIC.search(m.group(1)) for m in INTERLEAVED.finditer(line))


def expected_misuse(lines, i, expected):
    """The name of the misuse the line lines[i] reports, if it is expected.

    lines[i] must be a WARNING of one of the core's files, lines[i + 1] the
    message of dma_buf_misuse() and the function it names listed in expected.
    Else None.
    """
    if not OUR_WARNING.fullmatch(clean(lines[i]).strip()) or i + 1 >= len(lines):
        return None
    m = MISUSE.fullmatch(clean(lines[i + 1]).strip())
    return m.group(1) if m and m.group(1) in expected else None


def kernel_reports(lines, expected=frozenset(), fired=None, known=(), seen=None):
    """Indices of the lines of lines that start a kernel report.

    expected: names of the functions whose misuse WARNINGs are expected
    (KUnit only). Such a WARNING, the 'cut here' line before it, its message
    and the lines of its trace are passed over; any other line is looked at as
    usual, so a report inside an accepted trace is still found. The names of
    the WARNINGs accepted are added to the set fired, if one is given.

    known: patterns of DMA-API findings about stock drivers (guest only). A
    matching message, the dma-debug WARNING right after it and its trace are
    passed over the same way, and (pattern, message) is appended to seen.
    """
    found = []
    cut = None        # index of a 'cut here' not yet known to belong to an accepted WARNING
    trace = False     # inside the trace of an accepted WARNING
    message = None    # index of the message of the last accepted WARNING
    finding = None    # index of a known DMA-API finding whose WARNING comes next
    for i, raw in enumerate(lines):
        if i == message:
            continue
        line = clean(raw)
        marked = bool(MARKER.search(line))
        if finding is not None:
            follows, finding = finding == i - 1, None
            if follows and DMA_DEBUG_WARNING.search(line):
                trace = True
                continue
        if trace and not is_report(line) and TRACE.match(line):
            continue
        trace = False
        hit = next((k for k in known if k.search(line)), None)
        if hit:
            finding, cut = i, None
            if seen is not None:
                seen.append((hit.pattern, line.strip()))
            continue
        if cut is not None and (marked or i - cut > CUT_HERE_LINES):
            # the report that follows 'cut here' speaks for itself
            if not marked:
                found.append(cut)
            cut = None
        if CUT_HERE.search(line):
            cut = i
            continue
        name = expected_misuse(lines, i, expected) if expected else None
        if name:
            trace, message, cut = True, i + 1, None
            if fired is not None:
                fired.add(name)
            continue
        if is_report(line):
            found.append(i)
    if cut is not None:
        found.append(cut)
    return sorted(found)


def our_functions(root=os.path.dirname(HERE)):
    """The names of the functions our files define."""
    import glob
    names = set()
    for pattern in OUR_SOURCES:
        for path in glob.glob(os.path.join(root, pattern)):
            with open(path, errors='replace') as f:
                names.update(DEFINITION.findall(f.read()))
    return frozenset(names)


def foreign_races(lines, ours):
    """Split off the KCSAN reports that do not touch our code.

    Returns (lines, races): lines with every such report blanked out, and the
    report headers ('data-race in a / b'), one per report. A report whose end
    never came is left in place, and so is one naming or passing through a
    function of ours.
    """
    lines, races = list(lines), []
    i = 0
    while i < len(lines):
        m = KCSAN_HEAD.search(clean(lines[i]))
        if not m:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if KCSAN_END.match(clean(lines[j]))),
                   None)
        if end is None:
            break
        head = KCSAN_NAMES.search(m.group(1))
        names = {n for n in head.groups() if n} if head else set()
        for line in lines[i + 1:end]:
            f = KCSAN_FRAME.match(clean(line))
            if f:
                names.add(f.group(1))
        if not names & ours:
            races.append(m.group(1))
            for j in range(i, end + 1):
                lines[j] = ''
        i = end + 1
    return lines, races


def scan_kernel_log(lines, where, tally, expected=frozenset(), fired=None, known=(),
                    ours=None):
    """One failure per kernel report (a report and its trace count once).

    ours: the functions of our files; KCSAN reports touching none of them
    are listed as not ours instead (computed when not given).
    """
    if any('BUG: KCSAN:' in line for line in lines):
        lines, races = foreign_races(lines, our_functions() if ours is None else ours)
        for race in dict.fromkeys(races):
            tally.known.append(f'{where}: KCSAN, {races.count(race)} like {race}')
    last = -SAME_REPORT_LINES - 1
    seen = []
    for i in kernel_reports(lines, expected, fired, known, seen):
        if i - last > SAME_REPORT_LINES:
            tally.fail(f'{where}: kernel report: {clean(lines[i]).strip()}')
        last = i
    for pattern in dict.fromkeys(p for p, _ in seen):
        texts = [t for p, t in seen if p == pattern]
        tally.known.append(f'{where}: {len(texts)} like {texts[0]}')


def read_known_reports(path):
    """The patterns of harness/known-guest-reports, one regex a line."""
    patterns = []
    for raw in read_lines(path):
        text = raw.strip()
        if text and not text.startswith('#'):
            patterns.append(re.compile(text))
    return patterns


def read_expected_warnings(path):
    names = set()
    for n, raw in enumerate(read_lines(path), 1):
        text = raw.split('#', 1)[0].strip()
        if not text:
            continue
        if not re.fullmatch(r'[A-Za-z_]\w*', text):
            raise ValueError(f'{path}:{n}: not a function name: {text}')
        names.add(text)
    return frozenset(names)


# --- the guest -----------------------------------------------------------------

def guest(path, expected_path, tally, observed, known=(), where='guest'):
    """The programs of one guest log; where names the log (guest, stress, kcsan).

    Programs of a log other than 'guest' are recorded as where/program.
    """
    try:
        lines = read_lines(path)
    except OSError:
        tally.fail(f'{where}: no log at {path}')
        return
    expected = []
    if expected_path:
        with open(expected_path) as f:
            expected = f.read().split()
    name = (lambda p: p) if where == 'guest' else (lambda p: f'{where}/{p}')
    current, ran, body = None, set(), []
    for raw in lines:
        line = clean(raw)
        m = re.match(r'^### BEGIN (\S+)', line)
        if m:
            current, body = m.group(1), []
            ran.add(current)
            continue
        m = re.match(r'^### END (\S+) rc=(\d+)', line)
        if m and current == m.group(1):
            t = Tally()
            label = name(current)
            results = parse_ktap(body, label, t)
            observed[('guest', label)] = results
            if not t.failed and not results:
                t.fail(f'{label}: printed no results')
            rc = int(m.group(2))
            if rc == 124 or rc == 143:
                t.fail(f'{label}: timed out')
            elif rc and not t.failed and not any(r[1] == 'fail' for r in results):
                t.fail(f'{label}: exit code {rc} without a failed test')
            tally.failed += t.failed
            current = None
            continue
        if current:
            body.append(line)
    if current:
        tally.fail(f'{name(current)}: never finished (crash or timeout)')
        observed[('guest', name(current))] = parse_ktap(body, name(current), tally)
    for t in expected:
        if t not in ran:
            tally.fail(f'{name(t)}: did not run')
    if not any('### ALL DONE' in l for l in lines):
        tally.fail(f'{where}: did not reach the end of the test list')
    if any('### HARNESS TIMEOUT' in l for l in lines):
        tally.fail(f'{where}: timed out')
    # expected warnings are a KUnit matter: none is accepted here, only the
    # listed DMA-API findings about stock drivers
    scan_kernel_log(lines, where, tally, known=known)


# --- the inventory -------------------------------------------------------------

def expectation(status, reason):
    if status in ('pass', 'fail'):
        return 'pass'
    return f'{status}: {reason}' if reason else status


def read_inventory(path):
    """{(kind, source): {path: expectation}} from an inventory file."""
    inventory = {}
    for n, raw in enumerate(read_lines(path), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        fields = re.split(r'\s{2,}', line, maxsplit=3)
        if (len(fields) != 4 or fields[0] not in ('kunit', 'guest') or
                not re.fullmatch(r'(pass|(skip|xfail|todo)(: .*)?)', fields[3])):
            raise ValueError(f'{path}:{n}: expected "kunit|guest  SOURCE  PATH  '
                             f'pass|skip: REASON", got: {line}')
        cases = inventory.setdefault((fields[0], fields[1]), {})
        if fields[2] in cases:
            raise ValueError(f'{path}:{n}: {fields[1]} {fields[2]} is listed twice')
        cases[fields[2]] = fields[3]
    return inventory


class Selection:
    """Which inventory entries a run was meant to run."""

    def __init__(self, kunit, guest, kunit_filter='', tests=''):
        self.kinds = {k for k, given in (('kunit', kunit), ('guest', guest)) if given}
        self.kunit_filter = kunit_filter
        self.tests = {t for t in tests.replace(',', ' ').split() if t}

    def __call__(self, key, path):
        kind, source = key
        if kind not in self.kinds:
            return False
        if kind == 'guest':
            return not self.tests or source in self.tests
        if not self.kunit_filter:
            return True
        # kunit.py's filter_glob: SUITE_GLOB[.TEST_GLOB]
        suite_glob, _, test_glob = self.kunit_filter.partition('.')
        suite, _, rest = path.partition('.')
        test = rest.split('.', 1)[0]
        return (fnmatch.fnmatchcase(suite, suite_glob) and
                (not test_glob or fnmatch.fnmatchcase(test, test_glob)))


def check_inventory(inventory, observed, selected, tally):
    seen = {}
    for key, results in observed.items():
        listed = inventory.get(key, {})
        paths = seen.setdefault(key, set())
        for path, status, reason in results:
            label = f'{key[1]}: {path}'
            got = expectation(status, reason)
            want = listed.get(path)
            if path in paths:
                tally.fail(f'{label}: reported twice (a case needs a name of its own)')
                continue
            paths.add(path)
            if status == 'fail':
                tally.fail(f'{label}: failed' + ('' if want else ' (and is not in the inventory)'))
            elif want is None:
                tally.fail(f'{label}: not in the inventory ({got}); '
                           f'add it with --write-inventory')
            elif got != want:
                tally.fail(f'{label}: {got}, but the inventory expects {want}')
            elif status == 'skip':
                tally.skipped.append(f'{label}: {reason or "no reason given"}')
            else:
                tally.passed += 1
    for key, listed in inventory.items():
        wanted = [p for p in listed if selected(key, p)]
        if not wanted:
            continue
        if not seen.get(key):
            tally.fail(f'{key[1]}: none of its {len(wanted)} cases in the inventory ran')
            continue
        for path in wanted:
            if path not in seen[key]:
                tally.fail(f'{key[1]}: {path}: in the inventory but missing from the run')


def write_inventory(path, old, observed, selected):
    """Write old with the entries this run covered replaced by what it saw."""
    new = {}
    for key in list(old) + [k for k in observed if k not in old]:
        ran = {}
        for p, status, reason in observed.get(key, []):
            ran.setdefault(p, expectation(status, reason))
        entries, placed = [], False
        for p, want in old.get(key, {}).items():
            if selected(key, p) or p in ran:
                if not placed:
                    entries += ran.items()
                    placed = True
            else:
                entries.append((p, want))
        if not placed:
            entries += ran.items()
        if entries:
            new[key] = entries
    width = max([len(source) for _, source in new] + [1])
    with open(path, 'w') as f:
        f.write(INVENTORY_HEADER)
        for kind in ('kunit', 'guest'):
            for key in [k for k in new if k[0] == kind]:
                f.write('\n')
                for p, want in new[key]:
                    f.write(f'{kind}  {key[1]:<{width}}  {p:<64}  {want}'.rstrip() + '\n')
    return sum(len(v) for v in new.values())


# --- main ----------------------------------------------------------------------

def named(spec, default):
    """(NAME, FILE) of a NAME=FILE argument; NAME defaults to default."""
    name, sep, path = spec.partition('=')
    return (name, path) if sep and '/' not in name else (default, spec)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--kunit', action='append', default=[],
                    help='NAME=FILE: raw output of one kunit.py run (NAME defaults to kunit)')
    ap.add_argument('--guest', action='append', default=[],
                    help='[NAME=]FILE: serial log of a guest run (NAME: guest, the '
                         'default, stress or kcsan)')
    ap.add_argument('--guest-tests', action='append', default=[],
                    help='[NAME=]FILE: the test programs that guest run was to run')
    ap.add_argument('--no-inventory', action='store_true',
                    help='count the results as they come (make stress, whose seeds '
                         'and lengths vary); reports and failures still count')
    ap.add_argument('--ktap', action='append', default=[],
                    help='NAME=FILE: plain KTAP results of another check (lint, compat)')
    ap.add_argument('--inventory', metavar='FILE', default=os.path.join(HERE, 'inventory.txt'),
                    help='every KUnit and guest case and its expected result '
                         '(default: %(default)s)')
    ap.add_argument('--write-inventory', metavar='FILE',
                    help='rewrite FILE from the KUnit and guest logs given, instead of '
                         'checking them against --inventory')
    ap.add_argument('--expected-warnings', metavar='FILE',
                    default=os.path.join(HERE, 'expected-warnings'),
                    help='functions whose misuse WARNINGs the KUnit suites provoke on '
                         'purpose (default: %(default)s)')
    ap.add_argument('--known-reports', metavar='FILE',
                    default=os.path.join(HERE, 'known-guest-reports'),
                    help='DMA-API findings about stock drivers, listed in the guest log '
                         'but not counted')
    ap.add_argument('--kunit-filter', default='', metavar='GLOB',
                    help='the KUnit filter of the run (KUNIT_FILTER): only matching '
                         'inventory cases are expected')
    ap.add_argument('--tests', default='', metavar='LIST',
                    help='the guest programs the run picked (TESTS): only their '
                         'inventory cases are expected')
    args = ap.parse_args(argv)
    tally = Tally()
    observed = {}
    fired = set()     # the expected misuse WARNINGs seen in the KUnit logs
    silent = False    # a KUnit log without results: it cannot show them

    # the committed lists are read whenever there are KUnit or guest results
    expected, inventory = frozenset(), {}
    if args.kunit or args.guest:
        try:
            expected = read_expected_warnings(args.expected_warnings)
            if args.write_inventory:
                if os.path.exists(args.write_inventory):
                    inventory = read_inventory(args.write_inventory)
            elif not args.no_inventory:
                inventory = read_inventory(args.inventory)
        except (OSError, ValueError) as e:
            tally.fail(f'inventory or expected warnings: {e}')
            inventory = None

    for spec in args.kunit:
        name, _, path = spec.rpartition('=')
        name = name or 'kunit'
        try:
            lines = read_lines(path)
        except OSError:
            lines = []
        results = parse_ktap(lines, name, tally)
        observed[('kunit', name)] = results
        if not results:
            tally.fail(f'{name}: no results (build failure or crash; see {path})')
            silent = True
        scan_kernel_log(lines, name, tally, expected, fired)
    if args.kunit and not args.kunit_filter and not silent:
        # the full runs provoke every listed misuse, or the list is stale
        for name in sorted(expected - fired):
            tally.fail(f'expected warning never fired: {name}')
    if args.guest:
        try:
            known = read_known_reports(args.known_reports)
        except (OSError, re.error) as e:
            tally.fail(f'known guest reports: {e}')
            known = ()
        lists = dict(named(spec, 'guest') for spec in args.guest_tests)
        for spec in args.guest:
            where, path = named(spec, 'guest')
            guest(path, lists.get(where), tally, observed, known, where)
    for spec in args.ktap:
        name, _, path = spec.partition('=')
        try:
            lines = read_lines(path)
        except OSError:
            tally.fail(f'{name}: no results at {path}')
            continue
        count(parse_ktap(lines, name, tally), name, tally)

    selected = Selection(args.kunit, args.guest, args.kunit_filter, args.tests)
    if args.write_inventory and inventory is not None:
        n = write_inventory(args.write_inventory, inventory, observed, selected)
        print(f'wrote {n} cases to {args.write_inventory}')
    if args.write_inventory or inventory is None or args.no_inventory:
        for key, results in observed.items():
            count(results, key[1], tally)
    else:
        check_inventory(inventory, observed, selected, tally)

    for s in tally.known:
        print(f'known, not ours: {s}')
    for s in tally.skipped:
        print(f'skipped: {s}')
    for f in tally.failed:
        print(f'FAILED: {f}')
    print(f'{tally.passed} passed, {len(tally.failed)} failed')
    return 1 if tally.failed else 0


if __name__ == '__main__':
    sys.exit(main())
