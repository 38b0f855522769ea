#!/usr/bin/env python3
"""Times what a proxy does after each quiet spell, from a system call trace.

At a moderate message rate a proxy sleeps in epoll_wait between bursts, and
the first message of each wake-up meets cold caches. This reads the output
of `perf script` for one process and, for every wake-up that followed a wait
of at least --min-wait-ms, takes the times of its first socket read and of
the socket writes after it. It prints the number of such wake-ups and the
medians of:
the wake-up to the first read, the read itself, the read to the first
write, the write itself, and the wake-up to the start of the k-th write.

Record (x86-64; the proxy's PID):
  perf record -e raw_syscalls:sys_enter,raw_syscalls:sys_exit -p PID \\
      -o trace.data -- sleep 3.5
  perf script --ns -i trace.data -F tid,time,event,trace | bench/wakeup_trace.py
"""

import argparse
import re
import statistics
import sys

# x86-64 system call numbers. Plain read and write are left out because
# Boost.Asio also uses them on its eventfd and timerfd.
EPOLL_WAITS = {232, 281}      # epoll_wait, epoll_pwait
READS = {45, 47}              # recvfrom, recvmsg
WRITES = {20, 44, 46}         # writev, sendto, sendmsg
MAX_WRITES_SHOWN = 5

ENTER = re.compile(r"\s*(\d+)\s+([\d.]+):\s+raw_syscalls:sys_enter:\s+NR (\d+) \(([^)]*)\)")
EXIT = re.compile(r"\s*(\d+)\s+([\d.]+):\s+raw_syscalls:sys_exit:\s+NR (\d+) = (-?\d+)")


class Wakeup:
    """Timestamps of one wake-up: when it woke, its first read, its writes."""

    def __init__(self, time):
        self.woke = time
        self.read_enter = None
        self.read_exit = None
        self.write_enters = []
        self.first_write_exit = None


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-wait-ms", type=float, default=0.5,
                        help="count only wake-ups after a wait at least this long (default 0.5)")
    return parser.parse_args()


def is_poll(arguments):
    """Returns whether an epoll_wait's arguments (hex) ask for no wait at all."""
    fields = [field.strip() for field in arguments.split(",")]
    return len(fields) >= 4 and int(fields[3], 16) == 0


def collect_wakeups(lines, min_wait_seconds):
    """Parses the trace into the wake-ups of every thread, in trace order.

    A wake-up lasts until the thread's next blocking epoll_wait. The
    epoll_wait calls with a timeout of 0 that Boost.Asio makes between
    batches of handlers do not end it. Only successful socket reads and
    writes count, and only writes after the wake-up's first read.
    """
    wait_started = {}   # thread id: start of its current blocking epoll_wait
    current = {}        # thread id: the wake-up being followed
    wakeups = []
    for line in lines:
        enter_match = ENTER.match(line)
        exit_match = None if enter_match else EXIT.match(line)
        if not enter_match and not exit_match:
            continue
        match = enter_match or exit_match
        thread, time, number = match.group(1), float(match.group(2)), int(match.group(3))

        if number in EPOLL_WAITS:
            if enter_match and not is_poll(enter_match.group(4)):
                wait_started[thread] = time
                current.pop(thread, None)
            elif exit_match and thread in wait_started:
                started = wait_started.pop(thread)
                if time - started >= min_wait_seconds:
                    current[thread] = Wakeup(time)
                    wakeups.append(current[thread])
            continue

        wakeup = current.get(thread)
        if wakeup is None:
            continue
        if number in READS and wakeup.read_exit is None:
            if enter_match:
                wakeup.read_enter = time
            elif wakeup.read_enter is not None and int(exit_match.group(4)) > 0:
                wakeup.read_exit = time
            else:
                wakeup.read_enter = None  # would block or failed: wait for the next read
        elif number in WRITES and wakeup.read_exit is not None:
            if enter_match:
                wakeup.write_enters.append(time)
            elif int(exit_match.group(4)) <= 0:
                if wakeup.write_enters:  # perf may have lost the enter event
                    wakeup.write_enters.pop()
            elif wakeup.first_write_exit is None:
                wakeup.first_write_exit = time
    return wakeups


def median_us(values):
    return statistics.median(values) * 1e6 if values else float("nan")


def report(wakeups):
    complete = [w for w in wakeups if w.first_write_exit is not None]
    if not complete:
        print("no wake-up with a socket read and write found: check that the PID is the proxy's and that "
              "it carried traffic while perf recorded", file=sys.stderr)
        return 1

    print(f"wake-ups: {len(complete)}")
    print(f"  wake-up to read  {median_us([w.read_enter - w.woke for w in complete]):8.2f} us")
    print(f"  read             {median_us([w.read_exit - w.read_enter for w in complete]):8.2f} us")
    print(f"  read to write    {median_us([w.write_enters[0] - w.read_exit for w in complete]):8.2f} us")
    print(f"  write            {median_us([w.first_write_exit - w.write_enters[0] for w in complete]):8.2f} us")
    for k in range(MAX_WRITES_SHOWN):
        starts = [w.write_enters[k] - w.woke for w in complete if len(w.write_enters) > k]
        print(f"  wake-up to write {k + 1} {median_us(starts):8.2f} us  ({len(starts)} wake-ups)")
    return 0


def main():
    arguments = parse_arguments()
    wakeups = collect_wakeups(sys.stdin, arguments.min_wait_ms / 1000)
    return report(wakeups)


if __name__ == "__main__":
    sys.exit(main())
