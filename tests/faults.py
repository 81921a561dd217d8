"""A fault-injecting proxy on 127.0.0.1 in front of moto: the live path meets truncated, unparsable, endless,
incomplete and hanging responses exactly as it would meet them on a bad network."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests

# (action, how many of that action came before) -> the response to send instead: (status, body), or None to forward.
Fault = Callable[[str, int, bytes], tuple[int, bytes] | None]


@dataclass
class Proxy:
    """What the proxy saw, and the fault it applies."""

    upstream: str
    fault: Fault
    seen: Counter[str] = field(default_factory=Counter)
    release: threading.Event = field(default_factory=threading.Event)
    """Set to let hanging requests go (the proxy's own shutdown)."""
    url: str = ""


def _action(body: bytes) -> str:
    found = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])
    return found[0]


@contextmanager
def fault_proxy(upstream: str, fault: Fault) -> Iterator[Proxy]:
    """Run the proxy for the block; `proxy.url` is its endpoint."""
    proxy = Proxy(upstream=upstream, fault=fault)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            action = _action(body)
            with lock:
                count = proxy.seen[action]
                proxy.seen[action] += 1
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = requests.post(proxy.upstream + self.path, data=body, headers=headers, timeout=30)
            replaced = proxy.fault(action, count, answer.content)
            if replaced == HANG:
                proxy.release.wait(120)
                return
            if replaced == DROP:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, content = replaced or (answer.status_code, answer.content)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.release.set()
        server.shutdown()
        server.server_close()


HANG = (-1, b"hang")
DROP = (-2, b"drop")


def endless_marker(body: bytes) -> bytes:
    """A GAAD page that says there is more, under a marker it will give again and again."""
    text = body.decode()
    text = re.sub(r"<IsTruncated>\w+</IsTruncated>", "<IsTruncated>true</IsTruncated><Marker>again</Marker>", text)
    return text.encode()


def without_marker(body: bytes) -> bytes:
    """A GAAD page that says there is more and gives no marker to read it."""
    return re.sub(rb"<IsTruncated>\w+</IsTruncated>", b"<IsTruncated>true</IsTruncated>", body)
