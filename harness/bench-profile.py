# SPDX-License-Identifier: GPL-2.0-only
#
# gdb script of harness/bench-profile.sh: where one call's instructions go.
#
# Stops at the Nth call of a kernel function made from the benchmark module
# (or from anywhere), single-steps the guest until that call returns and
# counts the instructions: per function executed (self), and per direct
# callee of the traced function (inclusive). QEMU's gdbstub steps with
# interrupts and timers masked, so the count is the call's own work, the
# same that -icount charges it in make bench.
#
# Parameters come from the environment: PROF_PORT, PROF_VMLINUX_SYMS (nm -n
# output), PROF_FUNC (functions, each traced once), PROF_SKIP (calls of each
# to let pass), PROF_FROM (module or any), PROF_OUT (report file, %f
# replaced by the function), PROF_LIMIT (steps before giving up).

import bisect
import os

import gdb


def load_symbols(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in 'tTwW':
                continue
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


ADDRS, NAMES = load_symbols(os.environ['PROF_VMLINUX_SYMS'])
TEXT_END = max(ADDRS)


def symbol(pc):
    if pc < ADDRS[0] or pc > TEXT_END + 0x100000:
        return '[module]'
    return NAMES[bisect.bisect_right(ADDRS, pc) - 1]


def reg(name):
    return int(gdb.parse_and_eval('$' + name)) & 0xffffffffffffffff


def trace_call(func, entry):
    """Step the call just stopped at; return (steps, by callee, by function)."""
    sp = reg('rsp')
    ret = int.from_bytes(bytes(gdb.selected_inferior().read_memory(sp, 8)),
                         'little')
    limit = int(os.environ.get('PROF_LIMIT', '2000000'))
    self_count, child_count = {}, {}
    child = None
    steps = 0
    while steps < limit:
        pc = reg('pc')
        if pc == ret and reg('rsp') > sp:
            break
        name = symbol(pc)
        self_count[name] = self_count.get(name, 0) + 1
        if name == func:
            child = None
        elif child is None:
            child = name
        key = child or func
        child_count[key] = child_count.get(key, 0) + 1
        gdb.execute('stepi', to_string=True)
        steps += 1
    return steps, steps >= limit, symbol(ret), child_count, self_count


def report(out, func, seen, from_module, result):
    steps, limited, caller, child_count, self_count = result
    out.write('function %s, call %d from %s, caller %s\n' %
              (func, seen, 'the module' if from_module else 'anywhere',
               caller))
    out.write('instructions %d%s\n' %
              (steps, ' (limit reached)' if limited else ''))
    out.write('\nby direct callee of %s (inclusive)\n' % func)
    for name, n in sorted(child_count.items(), key=lambda kv: -kv[1]):
        out.write('%8d  %s\n' % (n, name))
    out.write('\nby function (self)\n')
    for name, n in sorted(self_count.items(), key=lambda kv: -kv[1]):
        out.write('%8d  %s\n' % (n, name))


def main():
    funcs = os.environ['PROF_FUNC'].split()
    skip = int(os.environ.get('PROF_SKIP', '0'))
    from_module = os.environ.get('PROF_FROM', 'module') == 'module'
    entries = {ADDRS[NAMES.index(f)]: f for f in funcs}
    seen = dict.fromkeys(funcs, 0)

    gdb.execute('set pagination off')
    gdb.execute('set confirm off')
    gdb.execute('target remote :%s' % os.environ['PROF_PORT'])
    bps = {}
    for entry, func in entries.items():
        gdb.execute('hbreak *%#x' % entry)
        bps[func] = gdb.breakpoints()[-1]

    while bps:
        gdb.execute('continue', to_string=True)
        func = entries.get(reg('pc'))
        if func not in bps:
            continue
        ret = int.from_bytes(
            bytes(gdb.selected_inferior().read_memory(reg('rsp'), 8)), 'little')
        if from_module and symbol(ret) != '[module]':
            continue
        seen[func] += 1
        if seen[func] <= skip:
            continue
        # other breakpoints stay armed but stepping does not stop at them
        result = trace_call(func, reg('pc'))
        with open(os.environ['PROF_OUT'].replace('%f', func), 'w') as out:
            report(out, func, seen[func], from_module, result)
        bps.pop(func).delete()
    gdb.execute('kill')


try:
    main()
finally:
    gdb.execute('quit')
