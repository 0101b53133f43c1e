"""The exec probe: run one program and report its own CPU time and peak RSS, nothing of the caller's.

Why a probe at all: a child reaped by the benchmark itself (`os.wait4`) reports in `ru_maxrss` the larger of
its own peak and the peak of the address space it replaced at `exec`. CPython's `subprocess` starts children
with vfork (or fork), so that replaced address space is the *benchmark's*: a `true` spawned from a
benchmark holding 300 MB of dataset reports 300 MB (Linux: `exec_mmap` stores the old mm's high-water mark
into the new process's `signal->maxrss`, which `getrusage` and `wait4` then report; `getrusage(RUSAGE_SELF)`
inside the program has the same flaw). This file is run by a fresh, small interpreter (`python -I -S`, about
9 MB, no site-packages); it forks, the child execs the real program, and the probe reaps it with `wait4`.
The child's pre-exec pages are then the probe's few MB, not the benchmark's, and everything after `exec` is
the program's own, counted by the kernel to the last page at exit (no sampling, no missed final peak). The
probe's own size, measured by running `true` through it, is the floor of every figure and is reported.

Why not poll `/proc/<pid>/status` `VmHWM` instead: it is exact for the exec'd image, but a poll misses
growth after the last sample and reads nothing once the process is a zombie; wait4 has neither gap.

Usage: `python -I -S exec_probe.py REPORT_FILE PROGRAM [ARG...]`. The probe closes its own standard streams
after the fork, so only the program holds the pipes it was given (a reader sees EOF when the program
exits), forwards SIGTERM and SIGINT to it, writes `maxrss_kib user_seconds system_seconds wait_status` to
REPORT_FILE and exits with the program's exit code (128 + N when a signal N ended it).
"""

import contextlib
import os
import signal
import sys


def main() -> None:
    report, argv = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"exec_probe: cannot run {argv[0]!r}: {exc}\n".encode())
            os._exit(127)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for fd in (0, 1, 2):
        os.close(fd)
    _, status, usage = os.wait4(pid, 0)  # retried across the forwarded signals (PEP 475)
    with open(report, "w", encoding="ascii") as handle:
        handle.write(f"{usage.ru_maxrss} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {status}\n")
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
