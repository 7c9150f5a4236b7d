"""A tiny loopback HTTP server for client tests: routes are plain functions of the request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: When set, called with a ``write`` function instead of sending ``body`` (streaming).
    stream: Callable[[Callable[[bytes], None]], None] | None = None
    delay: float = 0.0


Route = Callable[[Request], Reply]


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                with outer.lock:
                    outer.requests.append(req)
                route = outer.routes.get(self.path.split("?", 1)[0])
                reply = route(req) if route else Reply(404, body=b"not found")
                if reply.delay:
                    outer.stopping.wait(reply.delay)
                    if outer.stopping.is_set():
                        return
                self.send_response(reply.status)
                headers = dict(reply.headers)
                if reply.stream is None:
                    headers.setdefault("Content-Length", str(len(reply.body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()

                def write(data: bytes) -> None:
                    self.wfile.write(data)
                    self.wfile.flush()
                    with outer.lock:
                        outer.bytes_sent += len(data)

                try:
                    if reply.stream is not None:
                        reply.stream(write)
                    elif self.command != "HEAD":
                        write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = _handle
            do_HEAD = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A client closing a keep-alive connection is not an error worth a traceback.
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, path: str) -> Callable[[Route], Route]:
        def deco(fn: Route) -> Route:
            self.routes[path] = fn
            return fn

        return deco

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
