# SPDX-License-Identifier: GPL-2.0-only
"""Unit tests of harness/report.py, on small synthetic logs. From the checkout:

    python3 -m unittest harness/test_report.py     (or python3 harness/test_report.py)
"""
import contextlib
import io
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

# A KUnit run in the shape kunit.py --raw_output=all prints on UML: two
# suites, one parameterised test, one skip.
KUNIT = """\
[21:50:03] Configuring KUnit Kernel ...
Linux version 6.12.117 (root@vm) #1
KTAP version 1
1..2
    KTAP version 1
    # Subtest: dma-buf-demo
    # module: dma_buf_kunit
    1..2
        KTAP version 1
        # Subtest: export_rejects_bad_info
        ok 1 no ops
        ok 2 no priv, no ops
    # export_rejects_bad_info: pass:2 fail:0 skip:0 total:2
    ok 1 export_rejects_bad_info
@@WARN@@
    ok 2 detach_ignores_bad_arguments
# dma-buf-demo: pass:2 fail:0 skip:0 total:2
ok 1 dma-buf-demo
    KTAP version 1
    # Subtest: dma-buf-other
    1..1
    ok 1 needs_config # SKIP needs CONFIG_FOO
ok 2 dma-buf-other
reboot: System halted
"""

KUNIT_CASES = [
    'dma-buf-demo.export_rejects_bad_info.no ops',
    'dma-buf-demo.export_rejects_bad_info.no priv, no ops',
    'dma-buf-demo.detach_ignores_bad_arguments',
    'dma-buf-other.needs_config',
]

MISUSE = 'dma-buf: API misuse in {}'


def warning(name='dma_buf_detach', func='detach_ignores_bad_arguments',
            path='drivers/dma-buf/dma-buf-demo.c', line=357, pid=68, message=MISUSE):
    """A misuse WARNING and its trace as the UML kernel of kunit.py prints them.

    The function on the WARNING line is func (the caller, after a tail call);
    the line after it is message with name filled in, or none if message is ''.
    """
    lines = ['------------[ cut here ]------------',
             f'WARNING: CPU: 0 PID: {pid} at {path}:{line} {func}+0x80/0x200']
    lines += [message.format(name)] if message else []
    return '\n'.join(lines) + '\n' + textwrap.dedent(f"""\
        Modules linked in:
        CPU: 0 UID: 0 PID: {pid} Comm: kunit_try_catch Tainted: G        W        N 6.12.117 #1
        Tainted: [W]=WARN, [N]=TEST
        Stack:
         60749ba0 c109bd50 00000001 601034b8
         00000000 604ef53d 600205b0 60383f90
        Call Trace:
         [<600205b0>] ? show_stack+0x0/0xc0
         [<603d66a9>] ? dump_stack_lvl+0x9f/0xbe
         [<603afc42>] ? warn_slowpath_fmt+0x90/0x9d
         [<6034cde0>] ? {func}+0x80/0x200
         [<6001f3e2>] ? new_thread_handler+0x82/0xc0
        irq event stamp: 149
        hardirqs last  enabled at (159): [<000000006009f9b6>] __up_console_sem+0xc6/0xe0
        hardirqs last disabled at (168): [<000000006009f97c>] __up_console_sem+0x8c/0xe0
        softirqs last  enabled at (0): [<0000000060036efb>] copy_process+0xc8b/0x2fb0
        softirqs last disabled at (0): [<0000000000000000>] 0x0
        ---[ end trace 0000000000000000 ]---""")


GUEST = """\
Linux version 6.12.117 (root@vm) #1 SMP
### BEGIN abi
TAP version 13
1..2
# Starting 2 tests from 1 test cases.
#  RUN           global.ioctl_numbers ...
#            OK  global.ioctl_numbers
ok 1 global.ioctl_numbers
#  RUN           global.flag_values ...
#            OK  global.flag_values
ok 2 global.flag_values
# PASSED: 2 / 2 tests passed.
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0
### END abi rc=0
### BEGIN sync
TAP version 13
1..2
ok 1 vgem.poll_without_fences_is_ready
ok 2 swsync.bad_arguments # SKIP no sw_sync
### END sync rc=0
### ALL DONE
"""

INVENTORY = """\
# a comment
kunit  kunit  dma-buf-demo.export_rejects_bad_info.no ops  pass
kunit  kunit  dma-buf-demo.export_rejects_bad_info.no priv, no ops  pass
kunit  kunit  dma-buf-demo.detach_ignores_bad_arguments  pass
kunit  kunit  dma-buf-other.needs_config   skip: needs CONFIG_FOO

guest  abi   global.ioctl_numbers  pass
guest  abi   global.flag_values    pass
guest  sync  vgem.poll_without_fences_is_ready  pass
guest  sync  swsync.bad_arguments  skip: no sw_sync
"""


class ReportTest(unittest.TestCase):
    def setUp(self):
        # in memory where there is such a place: a busy disk makes this slow
        memory = '/dev/shm' if os.path.isdir('/dev/shm') else None
        self.tmp = tempfile.TemporaryDirectory(dir=memory)
        self.dir = self.tmp.name
        self.write('expected-warnings', '# comment\ndma_buf_detach  # why\n')
        self.write('inventory', INVENTORY)
        self.write('known', '# comment\n^DMA-API: platform vgem: mapping sg segment longer\n')

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def run_report(self, kunit=None, guest=None, args=()):
        """Run report.main; return (exit status, lines printed)."""
        argv = ['--expected-warnings', os.path.join(self.dir, 'expected-warnings'),
                '--inventory', os.path.join(self.dir, 'inventory'),
                '--known-reports', os.path.join(self.dir, 'known')]
        if kunit is not None:
            argv += ['--kunit', 'kunit=' + self.write('kunit.log', kunit)]
        if guest is not None:
            argv += ['--guest', self.write('guest.log', guest)]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = report.main(argv + list(args))
        return rc, out.getvalue().splitlines()

    def assertPasses(self, result, passed):
        rc, lines = result
        self.assertEqual(lines[-1], f'{passed} passed, 0 failed', '\n'.join(lines))
        self.assertEqual(rc, 0)

    def assertFails(self, result, *texts):
        rc, lines = result
        self.assertEqual(rc, 1, '\n'.join(lines))
        failures = [line for line in lines if line.startswith('FAILED: ')]
        self.assertEqual(lines[-1].split(', ')[1], f'{len(failures)} failed')
        for text in texts:
            self.assertTrue(any(text in line for line in failures),
                            f'no failure mentions {text!r}:\n' + '\n'.join(lines))

    def kunit(self, block=None):
        """The KUnit log with block where @@WARN@@ is.

        By default the misuse WARNING of dma_buf_detach, the one listed
        in expected-warnings: a run without it fails for that name.
        """
        if block is None:
            block = warning()
        return KUNIT.replace('@@WARN@@\n', block + '\n' if block else '')

    # --- the baseline ----------------------------------------------------------

    def test_clean_runs_pass_and_list_expected_skips(self):
        rc, lines = self.run_report(self.kunit(), GUEST)
        self.assertPasses((rc, lines), 6)
        self.assertIn('skipped: kunit: dma-buf-other.needs_config: needs CONFIG_FOO', lines)
        self.assertIn('skipped: sync: swsync.bad_arguments: no sw_sync', lines)

    def test_paths_name_suite_test_and_parameter(self):
        results = report.parse_ktap(self.kunit().splitlines(), 'kunit', report.Tally())
        self.assertEqual([r[0] for r in results], KUNIT_CASES)

    def test_crashed_block_is_named_from_its_subtest_line(self):
        crashed = self.kunit().split('    ok 1 export_rejects_bad_info')[0]
        tally = report.Tally()
        results = report.parse_ktap(crashed.splitlines(), 'kunit', tally)
        self.assertEqual([r[0] for r in results], KUNIT_CASES[:2])
        self.assertTrue(tally.failed)   # the plans are not met

    # --- kernel reports ----------------------------------------------------------

    def test_report_interleaved_into_an_ok_line_is_caught(self):
        log = self.kunit().replace('    ok 2 detach_ignores_bad_arguments',
                                   '    ok 2 detach_ignores_bad_argumentsBUG: KASAN: '
                                   'slab-use-after-free in dma_buf_put+0x1/0x2')
        self.assertFails(self.run_report(log), 'BUG: KASAN: slab-use-after-free')

    def test_report_interleaved_into_diagnostics_is_caught(self):
        for line in ['# abi: ------------[ cut here ]------------',
                     '#  RUN   global.flag_valuesWARNING: CPU: 1 PID: 80 at mm/slub.c:1 f+0x1/0x2',
                     'not ok 9 x[   12.345678] BUG: workqueue lockup - pool cpus=0',
                     '# diag[   12.345678] WARNING: something new in the kernel']:
            with self.subTest(line=line):
                guest = GUEST.replace('ok 1 global.ioctl_numbers',
                                      'ok 1 global.ioctl_numbers\n' + line)
                self.assertFails(self.run_report(guest=guest), line.split('] ')[-1][:12])

    def test_report_words_in_a_test_description_are_not_reports(self):
        log = self.kunit().replace('# SKIP needs CONFIG_FOO',
                                   '# SKIP WARNING: BUG: Oops: KASAN: are only words here')
        log = log.replace('# dma-buf-demo: pass:2', '# warns: WARNING: and BUG: on misuse\n'
                          '# dma-buf-demo: pass:2')
        self.write('inventory', INVENTORY.replace(
            'skip: needs CONFIG_FOO', 'skip: WARNING: BUG: Oops: KASAN: are only words here'))
        self.assertPasses(self.run_report(log), 3)

    def test_every_kind_of_report_is_caught(self):
        for line in ['INFO: trying to register non-static key.',
                     'WARNING: possible recursive locking detected',
                     'WARNING: possible circular locking dependency detected',
                     'WARNING: bad unlock balance detected!',
                     'WARNING: suspicious RCU usage',
                     'WARNING: held lock freed!',
                     'WARNING: lock held when returning to user space!',
                     'WARNING: possible irq lock inversion dependency detected',
                     'WARNING: inconsistent lock state',
                     'BUG: sleeping function called from invalid context at mm/slub.c:1',
                     'BUG: scheduling while atomic: kworker/0:1/45/0x00000002',
                     'unreferenced object 0xffff888003a1b200 (size 64):',
                     'kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
                     'DMA-API: vgem vgem: device driver frees DMA memory with wrong function',
                     'UBSAN: array-index-out-of-bounds in drivers/dma-buf/dma-buf-demo.c:3:9',
                     'BUG: KCSAN: data-race in dma_buf_put / dma_buf_get',
                     'BUG: KASAN: slab-use-after-free in dma_buf_put+0x1/0x2',
                     'Oops: general protection fault, probably for non-canonical '
                     'address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN NOPTI',
                     'Kernel panic - not syncing: Segfault with no mm',
                     'INFO: task kworker/0:1:45 blocked for more than 120 seconds.',
                     'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:']:
            with self.subTest(line=line):
                self.assertEqual(report.kernel_reports(['boot', line, 'ok 1 x']), [1])
                # and also when the console put it into a KTAP line
                self.assertEqual(report.kernel_reports(['ok 1 x' + line]), [0])

    # --- expected warnings -------------------------------------------------------

    def test_listed_misuse_is_accepted_in_kunit(self):
        for func in ['detach_ignores_bad_arguments', 'dma_buf_detach', 'anything']:
            with self.subTest(func=func):   # the function on the WARNING line does not matter
                self.assertPasses(self.run_report(self.kunit(warning(func=func))), 3)
        # nor do the timestamps of the console
        log = '\n'.join('[   12.345678] ' + line for line in warning().splitlines())
        self.assertPasses(self.run_report(self.kunit(log)), 3)

    def test_warning_without_the_misuse_message_fails(self):
        for message in ['',                                         # a plain WARN_ON()
                        'dma-buf: something else in {}',
                        'dma-buf: API misuse in {} and more',
                        'dma-buf: API misuse in {}()',
                        'API misuse in {}',
                        '    # interleaved\n' + MISUSE,            # not right after it
                        'Modules linked in:\n' + MISUSE]:
            with self.subTest(message=message):
                log = self.kunit(warning(message=message))
                self.assertFails(self.run_report(log),
                                 'PID: 68 at drivers/dma-buf/dma-buf-demo.c:357')

    def test_misuse_of_an_unlisted_function_fails(self):
        log = self.kunit(warning(name='dma_buf_vmap', func='vmap_test'))
        self.assertFails(self.run_report(log), 'dma-buf-demo.c:357 vmap_test+0x80',
                         'expected warning never fired: dma_buf_detach')

    def test_listed_misuse_from_a_file_not_ours_fails(self):
        for path in ['mm/slub.c', 'include/linux/dma-resv.h', 'drivers/dma-buf/dma-resv.c',
                     'drivers/dma-buf/dma-buf-internal.h', 'drivers/dma-buf/tests/dma-buf-demo.c',
                     '/abs/drivers/dma-buf/dma-buf-demo.c', 'x/drivers/dma-buf/dma-buf-demo.c',
                     'drivers/dma-buf/dma-buf-../../../etc/demo.c']:
            with self.subTest(path=path):
                log = self.kunit(warning(path=path))
                self.assertFails(self.run_report(log), path)
        # and a WARNING that names no file at all
        block = warning().replace('drivers/dma-buf/dma-buf-demo.c:357 ', '')
        self.assertFails(self.run_report(self.kunit(block)),
                         'PID: 68 at detach_ignores_bad_arguments+0x80')

    def test_listed_misuse_fails_in_the_guest(self):
        guest = GUEST.replace('### END abi', warning() + '\n### END abi')
        self.assertFails(self.run_report(guest=guest), 'detach_ignores_bad_arguments+0x80')

    def dma_api_finding(self, message):
        """A DMA-API finding as x86 dma-debug prints it, in the abi section."""
        block = '\n'.join([
            '------------[ cut here ]------------', message,
            'WARNING: CPU: 0 PID: 63 at kernel/dma/debug.c:1213 debug_dma_map_sg+0x1/0x2',
            'Modules linked in:',
            'CPU: 0 UID: 0 PID: 63 Comm: import Not tainted 6.12.117 #2',
            'RIP: 0010:debug_dma_map_sg+0x1/0x2',
            'Call Trace:', ' <TASK>', ' ? dma_map_sgtable+0x1/0x2', ' </TASK>',
            '---[ end trace 0000000000000000 ]---'])
        return GUEST.replace('### END abi', block + '\n### END abi')

    def test_unaligned_table_of_a_real_exporter_fails(self):
        guest = GUEST.replace('### END abi', 'dma-buf: exporter mapped 0x1000+0x80, '
                              'not page aligned\n### END abi')
        self.assertFails(self.run_report(guest=guest), 'not page aligned')

    def test_known_dma_api_finding_is_listed_not_counted(self):
        guest = self.dma_api_finding('DMA-API: platform vgem: mapping sg segment longer '
                                     'than device claims to support [len=1] [max=2]')
        rc, lines = self.run_report(guest=guest)
        self.assertPasses((rc, lines), 3)
        self.assertTrue(any(line.startswith('known, not ours: guest: 1 like DMA-API')
                            for line in lines), '\n'.join(lines))

    def test_unknown_dma_api_finding_fails(self):
        guest = self.dma_api_finding('DMA-API: platform vkms: mapping sg segment longer '
                                     'than device claims to support [len=1] [max=2]')
        self.assertFails(self.run_report(guest=guest), 'DMA-API: platform vkms')

    def kcsan(self, first='tty_write', second='n_tty_read', frames=('vfs_write',),
              end=True):
        """A KCSAN data race as x86 prints it, in the abi section."""
        block = ['=' * 66, f'BUG: KCSAN: data-race in {first} / {second}', '',
                 'write to 0xffff888004ad2c10 of 4 bytes by task 70 on cpu 1:',
                 f' {first}+0x1d/0x30']
        block += [f' {f}+0x10/0x20' for f in frames]
        block += ['', 'read to 0xffff888004ad2c10 of 4 bytes by task 71 on cpu 0:',
                  f' {second}.isra.0+0x10/0x20', ' ksys_read+0x1/0x2', '',
                  'value changed: 0x00000000 -> 0x00000001', '',
                  'Reported by Kernel Concurrency Sanitizer on:',
                  'CPU: 0 UID: 0 PID: 71 Comm: races Not tainted 6.12.117 #1']
        block += ['=' * 66] if end else []
        return GUEST.replace('### END abi', '\n'.join(block) + '\n### END abi')

    def test_kcsan_race_elsewhere_is_listed_not_counted(self):
        self.assertPasses(self.run_report(guest=self.kcsan()), 3)
        self.assertTrue(any('KCSAN, 1 like data-race in tty_write / n_tty_read' in line
                            for line in self.run_report(guest=self.kcsan())[1]))

    def test_kcsan_race_in_our_code_fails(self):
        ours = report.our_functions()
        self.assertIn('dma_buf_poll', ours)
        self.assertIn('mock_attach', ours)
        # named in the header, or only a caller in either stack
        for kw in [dict(first='dma_buf_poll'), dict(second='dma_buf_set_name'),
                   dict(frames=('vfs_write', 'dma_buf_ioctl', 'ksys_ioctl'))]:
            with self.subTest(**kw):
                self.assertFails(self.run_report(guest=self.kcsan(**kw)), 'BUG: KCSAN')

    def test_unterminated_kcsan_report_fails(self):
        self.assertFails(self.run_report(guest=self.kcsan(end=False)), 'BUG: KCSAN')

    def test_named_guest_logs_without_inventory(self):
        # make stress: two logs, programs labelled by log, no inventory
        extra = GUEST.replace('### BEGIN sync', '### BEGIN random-ops').replace(
            '### END sync', '### END random-ops')
        args = ['--no-inventory', '--guest', 'kcsan=' + self.write('kcsan.log', extra),
                '--guest-tests', 'kcsan=' + self.write('kcsan.list', 'abi random-ops races\n')]
        rc, lines = self.run_report(guest=GUEST, args=args)
        self.assertFails((rc, lines), 'kcsan/races: did not run')
        self.assertIn('skipped: kcsan/random-ops: swsync.bad_arguments: no sw_sync', lines)
        self.assertEqual(lines[-1], '6 passed, 1 failed')

    def test_report_after_a_known_finding_is_caught(self):
        guest = self.dma_api_finding('DMA-API: platform vgem: mapping sg segment longer '
                                     'than device claims to support [len=1] [max=2]')
        guest = guest.replace('---[ end trace', 'BUG: KASAN: slab-use-after-free in x+0x1/0x2\n'
                              '---[ end trace')
        self.assertFails(self.run_report(guest=guest), 'BUG: KASAN')

    def test_no_warning_is_accepted_without_the_list(self):
        rc, lines = self.run_report(self.kunit(), args=[
            '--expected-warnings', os.path.join(self.dir, 'inventory-less-list')])
        self.assertEqual(rc, 1)
        self.write('empty', '')
        self.assertFails(self.run_report(self.kunit(), args=[
            '--expected-warnings', os.path.join(self.dir, 'empty')]),
            'detach_ignores_bad_arguments+0x80')

    def test_listed_misuse_that_never_fired_fails(self):
        self.write('expected-warnings', 'dma_buf_detach\ndma_buf_export\n')
        rc, lines = self.run_report(self.kunit())
        self.assertFails((rc, lines), 'expected warning never fired: dma_buf_export')
        self.assertEqual(len([line for line in lines if line.startswith('FAILED')]), 1)
        # a filtered run need not provoke them all, nor does a guest run
        self.assertPasses(self.run_report(self.kunit(), args=['--kunit-filter', 'dma-buf-*']), 3)
        self.assertPasses(self.run_report(guest=GUEST), 3)
        # a KUnit log without results fails for that alone
        rc, lines = self.run_report('no KTAP at all\n')
        self.assertFails((rc, lines), 'kunit: no results')
        self.assertFalse(any('never fired' in line for line in lines), '\n'.join(lines))

    def test_report_inside_an_accepted_trace_is_caught(self):
        trace = warning().splitlines()
        call = trace.index('Call Trace:')
        for inside in ['BUG: KASAN: slab-use-after-free in dma_buf_detach+0x1/0x2',
                       'WARNING: possible recursive locking detected',
                       'BUG: sleeping function called from invalid context at x.c:3',
                       'Oops: 0000 [#1] SMP',
                       'something unusual: BUG: detected',
                       warning(name='dma_buf_vmap', func='vmap_test')]:
            with self.subTest(inside=inside):
                block = '\n'.join(trace[:call] + inside.splitlines() + trace[call:])
                self.assertFails(self.run_report(self.kunit(block)), inside.splitlines()[-1][:20]
                                 if '\n' not in inside else 'vmap_test+0x80')

    def test_report_around_the_misuse_message_is_caught(self):
        trace = warning().splitlines()
        # in its place: the WARNING is not accepted
        block = '\n'.join(trace[:2] + ['BUG: something never seen before'] + trace[2:])
        self.assertFails(self.run_report(self.kunit(block)), 'dma-buf-demo.c:357')
        # right after it
        block = '\n'.join(trace[:3] + ['BUG: something never seen before'] + trace[3:])
        self.assertFails(self.run_report(self.kunit(block)), 'BUG: something never seen')
        # a line that is no report ends the trace but is no failure
        block = '\n'.join(trace[:3] + ['a line of someone else'] + trace[3:])
        self.assertPasses(self.run_report(self.kunit(block)), 3)

    def test_report_after_an_unterminated_accepted_trace_is_caught(self):
        # no '---[ end trace' ever comes: nothing may be skipped until one does
        trace = warning().splitlines()[:-1]
        block = '\n'.join(trace + ['    ok 9 interleaved',
                                   'irq event stamp: 1',
                                   'BUG: scheduling while atomic: kunit_try_catch/68/0x2',
                                   '---[ end trace 0000000000000000 ]---'])
        self.assertFails(self.run_report(self.kunit(block)), 'scheduling while atomic')

    def test_cut_here_without_an_accepted_warning_is_a_report(self):
        log = self.kunit(warning() + '\n------------[ cut here ]------------\n'
                         'kernel BUG at x.c:1!')
        self.assertFails(self.run_report(log), 'kernel BUG at x.c:1!')
        log = self.kunit(warning() + '\n' + '------------[ cut here ]------------\n' * 2)
        self.assertFails(self.run_report(log), 'cut here')

    def test_committed_lists_parse(self):
        here = os.path.dirname(os.path.abspath(__file__))
        names = report.read_expected_warnings(os.path.join(here, 'expected-warnings'))
        self.assertIn('dma_buf_pin', names)
        inventory = report.read_inventory(os.path.join(here, 'inventory.txt'))
        self.assertIn(('kunit', 'kunit'), inventory)

    # --- the inventory -----------------------------------------------------------

    def test_missing_case_fails(self):
        log = self.kunit().replace('    ok 2 detach_ignores_bad_arguments\n', '').replace(
            '    1..2\n        KTAP', '    1..1\n        KTAP')
        self.assertFails(self.run_report(log), 'kunit: dma-buf-demo.detach_ignores_bad_arguments: '
                         'in the inventory but missing')

    def test_missing_program_fails(self):
        guest = GUEST.replace('### BEGIN sync', '### BEGIN other').replace('END sync', 'END other')
        self.assertFails(self.run_report(guest=guest), 'sync: none of its 2 cases',
                         'other: vgem.poll_without_fences_is_ready: not in the inventory')

    def test_missing_kunit_configuration_fails(self):
        self.write('inventory', INVENTORY + 'kunit  kunit-min  dma-buf-demo.x  pass\n')
        self.assertFails(self.run_report(self.kunit()), 'kunit-min: none of its 1 cases')

    def test_case_not_in_the_inventory_fails(self):
        log = self.kunit().replace('    ok 1 needs_config # SKIP needs CONFIG_FOO',
                                   '    ok 1 needs_config # SKIP needs CONFIG_FOO\n'
                                   '    ok 2 brand_new_test').replace('    1..1', '    1..2')
        self.assertFails(self.run_report(log), 'kunit: dma-buf-other.brand_new_test: not in '
                         'the inventory')

    def test_unexpected_skip_fails(self):
        log = self.kunit().replace('ok 1 no ops', 'ok 1 no ops # SKIP no memory')
        self.assertFails(self.run_report(log), 'export_rejects_bad_info.no ops: skip: no memory, '
                         'but the inventory expects pass')

    def test_skip_for_another_reason_fails(self):
        log = self.kunit().replace('# SKIP needs CONFIG_FOO', '# SKIP needs CONFIG_BAR')
        self.assertFails(self.run_report(log), 'needs_config: skip: needs CONFIG_BAR, but the '
                         'inventory expects skip: needs CONFIG_FOO')

    def test_expected_skip_that_passed_fails(self):
        guest = GUEST.replace('swsync.bad_arguments # SKIP no sw_sync', 'swsync.bad_arguments')
        self.assertFails(self.run_report(guest=guest), 'sync: swsync.bad_arguments: pass, but '
                         'the inventory expects skip: no sw_sync')

    def test_failed_case_fails(self):
        guest = GUEST.replace('ok 2 global.flag_values', 'not ok 2 global.flag_values').replace(
            'END abi rc=0', 'END abi rc=1')
        self.assertFails(self.run_report(guest=guest), 'abi: global.flag_values: failed')

    def test_case_reported_twice_fails(self):
        guest = GUEST.replace('ok 2 global.flag_values', 'ok 2 global.ioctl_numbers')
        self.assertFails(self.run_report(guest=guest), 'global.ioctl_numbers: reported twice',
                         'global.flag_values: in the inventory but missing')

    def test_whole_program_failures(self):
        crashed = GUEST.split('### END sync')[0]
        self.assertFails(self.run_report(guest=crashed), 'sync: never finished',
                         'did not reach the end')
        silent = GUEST.replace('ok 1 vgem.poll_without_fences_is_ready\n', '').replace(
            'ok 2 swsync.bad_arguments # SKIP no sw_sync\n', '').replace('1..2\n### END', '### END')
        self.assertFails(self.run_report(guest=silent), 'sync: printed no results')
        timeout = GUEST.replace('END sync rc=0', 'END sync rc=124')
        self.assertFails(self.run_report(guest=timeout), 'sync: timed out')
        rc = GUEST.replace('END sync rc=0', 'END sync rc=3')
        self.assertFails(self.run_report(guest=rc), 'sync: exit code 3 without a failed test')
        self.assertFails(self.run_report(kunit='no KTAP at all\n'), 'kunit: no results')

    def test_missing_inventory_fails(self):
        os.unlink(os.path.join(self.dir, 'inventory'))
        self.assertFails(self.run_report(self.kunit()), 'inventory')

    def test_bad_inventory_line_fails(self):
        self.write('inventory', INVENTORY + 'guest sync one-space-only pass\n')
        self.assertFails(self.run_report(guest=GUEST), 'inventory:')

    def test_filters_leave_out_what_the_run_did_not_pick(self):
        only_demo = self.kunit().split('    KTAP version 1\n    # Subtest: dma-buf-other')[0]
        only_demo = only_demo.replace('1..2\n    KTAP', '1..1\n    KTAP', 1)
        self.assertPasses(self.run_report(only_demo, args=['--kunit-filter', 'dma-buf-d*']), 3)
        self.assertFails(self.run_report(only_demo, args=['--kunit-filter', 'dma-buf-*']),
                         'needs_config: in the inventory but missing')
        self.assertPasses(self.run_report(only_demo, args=[
            '--kunit-filter', 'dma-buf-*.*_bad_*']), 3)
        abi_only = GUEST.split('### BEGIN sync')[0] + '### ALL DONE\n'
        self.assertPasses(self.run_report(guest=abi_only, args=['--tests', 'abi']), 2)
        self.assertFails(self.run_report(guest=abi_only), 'sync: none of its 2 cases')

    def test_ktap_results_are_not_held_against_the_inventory(self):
        lint = self.write('lint.ktap', 'TAP version 13\n1..2\nok 1 sparse\nok 2 checkpatch\n')
        self.assertPasses(self.run_report(args=['--ktap', 'lint=' + lint]), 2)
        # and they do not need the lists at all
        os.unlink(os.path.join(self.dir, 'inventory'))
        self.assertPasses(self.run_report(args=['--ktap', 'lint=' + lint]), 2)

    def test_write_inventory_round_trip(self):
        new = os.path.join(self.dir, 'new-inventory')
        self.write('new-inventory', INVENTORY +
                   'guest  import  to_vgem.heap.attach_shows_and_goes  pass\n' +
                   'guest  sync  vgem.removed_test  pass\n')
        log = self.kunit().replace('ok 1 no ops', 'not ok 1 no ops')
        rc, lines = self.run_report(log, GUEST,
                                    args=['--write-inventory', new, '--tests', 'abi,sync'])
        self.assertEqual(lines[0], 'wrote 9 cases to ' + new)
        self.assertIn('FAILED: kunit: dma-buf-demo.export_rejects_bad_info.no ops: failed', lines)
        with open(new) as f:
            text = f.read()
        self.assertTrue(text.startswith(report.INVENTORY_HEADER))
        self.assertIn('guest  import  to_vgem.heap.attach_shows_and_goes', text)  # not run: kept
        self.assertNotIn('removed_test', text)                                  # run: replaced
        inventory = report.read_inventory(new)
        self.assertEqual(list(inventory[('kunit', 'kunit')]), KUNIT_CASES)
        self.assertEqual(inventory[('kunit', 'kunit')]['dma-buf-other.needs_config'],
                         'skip: needs CONFIG_FOO')
        self.assertEqual(inventory[('guest', 'sync')]['swsync.bad_arguments'], 'skip: no sw_sync')
        # the written inventory holds the same run
        self.write('inventory', text)
        self.assertPasses(self.run_report(self.kunit(), GUEST, args=['--tests', 'abi,sync']), 6)
        # and writing it again from the same run changes nothing
        rc, lines = self.run_report(self.kunit(), GUEST,
                                    args=['--write-inventory', new, '--tests', 'abi,sync'])
        with open(new) as f:
            self.assertEqual(f.read(), text)


if __name__ == '__main__':
    unittest.main()
