#!/usr/bin/env python3
"""Runs one shell command in the booted guest of test/image/boot.sh and prints its output.

The test boots the image with systemd's debug shell on the serial port (kernel command line
`systemd.debug_shell=ttyAMA0`, added by the test only: the image has no shell on its console), and QEMU
serves that port on a Unix socket. This connects to the socket, waits until the shell answers, sends
COMMAND with its output redirected to a file, then has the shell print that file with a per-call prefix
and the exit status; console messages that interleave with it are left out by the prefix.

usage: guest.py SOCKET TIMEOUT_SECONDS COMMAND
Prints the command's output; exits with its status, 124 on timeout, 125 if the socket cannot be used.
"""
import os
import re
import socket
import sys
import time


def main() -> int:
    path, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    deadline = time.monotonic() + timeout
    nonce = f"{os.getpid()}x{time.monotonic_ns() % 1_000_000}"
    # the markers are built by the shell (${p}), so the echo of the typed line never matches them
    ready = re.compile(rf"@@{nonce} ready")
    done = re.compile(rf"@@{nonce} rc=(\d+)")
    line = re.compile(rf"@@{nonce}: ?(.*)")
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
    except OSError as e:
        print(f"guest.py: cannot connect to {path}: {e}", file=sys.stderr)
        return 125
    s.settimeout(1.0)
    buf = ""

    def read_until(pattern: re.Pattern, resend: bytes | None) -> re.Match | None:
        nonlocal buf
        last_send = 0.0
        while time.monotonic() < deadline:
            m = pattern.search(buf)
            if m:
                return m
            if resend is not None and time.monotonic() - last_send > 3:
                s.sendall(resend)
                last_send = time.monotonic()
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return None
            buf += chunk.decode("utf-8", "replace").replace("\r", "")
        return None

    # the shell may not be up yet (early boot) or may be in the middle of a line: ask until it answers
    if not read_until(ready, f"\nstty -echo 2>/dev/null; p=@@; echo \"${{p}}{nonce} ready\"\n".encode()):
        print("guest.py: the guest's shell does not answer", file=sys.stderr)
        return 124
    buf = ""
    s.sendall(
        (f"{{ {command}\n}} >/run/guest-cmd.out 2>&1 </dev/null; rc=$?; "
         f"sed \"s/^/${{p}}{nonce}: /\" /run/guest-cmd.out; echo \"${{p}}{nonce} rc=$rc\"\n").encode())
    m = read_until(done, None)
    if not m:
        print(f"guest.py: no answer to: {command}", file=sys.stderr)
        return 124
    for l in buf[: m.start()].split("\n"):
        lm = line.search(l)
        if lm:
            print(lm.group(1))
    return int(m.group(1))


if __name__ == "__main__":
    sys.exit(main())
