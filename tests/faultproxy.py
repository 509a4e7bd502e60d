"""A fault-injecting HTTP proxy on loopback, in front of the moto server.

Point AWS_ENDPOINT_URL at `FaultProxy.url` and every boto3 request passes through it. By
default a request is forwarded to moto unchanged; `fault(operation, kind, times=, region=)`
makes the proxy answer that operation the way a failing AWS would instead:

- "throttle": HTTP 400 with the service's throttling code (Throttling, ThrottlingException,
  RequestLimitExceeded), which botocore retries with backoff;
- "5xx": HTTP 503 ServiceUnavailable;
- "timeout": hold the request without answering for `hang_seconds`, then close;
- "drop": close the connection without a response;
- "denied": HTTP 403 with the service's access-denied code.

The operation is read from the request (X-Amz-Target for JSON services such as ACM, the
`Action` form field for query services such as ELB, IAM and EC2) and the region from the
SigV4 credential scope. `requests` counts every HTTP attempt per operation, faulted or not,
and `requests_by_region` per (operation, region), so a test can see the retries.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KINDS = ("throttle", "5xx", "timeout", "drop", "denied")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")

# (status, code) per fault kind and wire protocol of the service
_ERRORS = {
    "throttle": {"json": (400, "ThrottlingException"), "query": (400, "Throttling"),
                 "ec2": (503, "RequestLimitExceeded")},
    "5xx": {"json": (503, "ServiceUnavailable"), "query": (503, "ServiceUnavailable"),
            "ec2": (503, "Unavailable")},
    "denied": {"json": (400, "AccessDeniedException"), "query": (403, "AccessDenied"),
               "ec2": (403, "UnauthorizedOperation")},
}


@dataclass
class Fault:
    kind: str
    times: int | None  # None: every request; otherwise the next `times` requests


def _error_body(protocol: str, code: str) -> tuple[str, bytes]:
    message = f"injected by faultproxy: {code}"
    if protocol == "json":
        return "application/x-amz-json-1.1", f'{{"__type":"{code}","message":"{message}"}}'.encode()
    if protocol == "ec2":
        return "text/xml", (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                            "</Error></Errors><RequestID>faultproxy</RequestID></Response>").encode()
    return "text/xml", (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                        f"<Message>{message}</Message></Error><RequestId>faultproxy</RequestId>"
                        "</ErrorResponse>").encode()


class FaultProxy:
    def __init__(self, upstream: str, *, hang_seconds: float = 5.0) -> None:
        self.upstream = urlsplit(upstream)
        self.hang_seconds = hang_seconds
        self.requests: Counter[str] = Counter()
        self.requests_by_region: Counter[tuple[str, str | None]] = Counter()
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    # -- configuration -----------------------------------------------------------------
    def fault(self, operation: str, kind: str, *, times: int | None = None, region: str | None = None) -> None:
        """Fail `operation` (e.g. "DescribeLoadBalancers"), in `region` or in any region."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {KINDS}")
        with self._lock:
            self._faults[(operation, region)] = Fault(kind, times)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()
            self.requests_by_region.clear()

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "AWS_ENDPOINT_URL": self.url}

    def _take(self, operation: str, region: str | None) -> Fault | None:
        with self._lock:
            self.requests[operation] += 1
            self.requests_by_region[(operation, region)] += 1
            for key in ((operation, region), (operation, None)):
                fault = self._faults.get(key)
                if fault is None:
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
            return None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "FaultProxy":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the request handler -------------------------------------------------------------
    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                self._handle()

            def do_GET(self) -> None:
                self._handle()

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target")
                scope = _SCOPE.search(self.headers.get("Authorization", ""))
                region, service = scope.groups() if scope else (None, "")
                if target:
                    operation, protocol = target.rsplit(".", 1)[-1], "json"
                else:
                    form = parse_qs(body.decode("utf-8", "replace"))
                    operation = (form.get("Action") or ["?"])[0]
                    protocol = "ec2" if service == "ec2" else "query"
                fault = proxy._take(operation, region)
                if fault is None:
                    return self._forward(body)
                if fault.kind == "drop":
                    self.close_connection = True
                    return
                if fault.kind == "timeout":
                    proxy._stopping.wait(proxy.hang_seconds)
                    self.close_connection = True
                    return
                status, code = _ERRORS[fault.kind][protocol]
                ctype, payload = _error_body(protocol, code)
                self._reply(status, [("Content-Type", ctype)], payload)

            def _forward(self, body: bytes) -> None:
                up = proxy.upstream
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    headers["Host"] = up.netloc
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    payload = resp.read()
                    keep = [(k, v) for k, v in resp.getheaders()
                            if k.lower() not in ("transfer-encoding", "connection", "content-length")]
                    self._reply(resp.status, keep, payload)
                finally:
                    conn.close()

            def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                try:
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (its read timeout); nothing to answer

        return Handler
