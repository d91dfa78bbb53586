#!/usr/bin/env python3
# A receiver for --console-socket (the pty master over SCM_RIGHTS, as conmon gets it): prints the
# name sent with the fd, then what the terminal shows until it is quiet for 3 s or hangs up.
#   console-receiver.py SOCKET [ACCEPT-TIMEOUT-SECONDS]
import os, select, socket, sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(float(sys.argv[2]) if len(sys.argv) > 2 else 8)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 1)
os.set_blocking(fds[0], True)
out = b""
while select.select([fds[0]], [], [], 3)[0]:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
print("name=%s" % msg.decode())
print(out.decode(errors="replace"))
