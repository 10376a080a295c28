# A stand-in for systemd's notification socket in tests: binds the AF_UNIX datagram socket given as the
# first argument, prints every message received as one JSON line, and closes the file descriptors that
# come with it (systemd-notify's BARRIER=1 waits for exactly that). Stops after 60 s or on SIGTERM.
import array, json, os, socket, sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
sock.settimeout(60)
print(json.dumps({"listening": True}), flush=True)
while True:
    try:
        data, ancdata, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    except socket.timeout:
        break
    fds = array.array("i")
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    for fd in fds:
        os.close(fd)
    print(json.dumps({"message": data.decode(), "fds": len(fds)}), flush=True)
