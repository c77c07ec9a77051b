#!/usr/bin/env python3
"""Listens on N loopback ports and accepts (then closes) every connection: the 100 backends
that bench/overheads.sh health-checks. Prints the ports, one per line, then serves until
killed."""
import selectors
import socket
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
selector = selectors.DefaultSelector()
ports = []
for _ in range(count):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    ports.append(listener.getsockname()[1])
print("\n".join(str(port) for port in ports), flush=True)
while True:
    for key, _ in selector.select():
        try:
            connection, _ = key.fileobj.accept()
            connection.close()
        except BlockingIOError:
            pass
