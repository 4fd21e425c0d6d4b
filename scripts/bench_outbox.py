#!/usr/bin/env python3
"""Helpers for scripts/bench.sh's event rows.

  bench_outbox.py sign SECRET COUNT FILE
      writes COUNT distinct Stripe events, each with a valid Stripe-Signature for SECRET, one
      per line as "signature<TAB>body" (for scripts/wrk/post-webhook.lua).

  bench_outbox.py throughput BINARY PORT KEY EVENTS
      with `payments serve --no-workers` on PORT: registers an endpoint on a loopback no-op
      receiver, writes EVENTS events through the API, starts `payments worker` and measures
      deliveries/s from the first delivery to the last. Prints one JSON line.

  bench_outbox.py latency PORT KEY COUNT
      with a server whose workers run (in the process or beside it): registers an endpoint, sends
      COUNT writes one at a time and measures for each the time from sending the request to the
      delivery of its event: an upper bound on commit → first attempt. Prints one JSON line.
"""
import asyncio
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request


def sign(secret, count, path):
    now = int(time.time())
    run = os.urandom(4).hex()
    with open(path, "w") as out:
        for n in range(count):
            body = json.dumps({"id": f"evt_bench_{run}_{n}", "object": "event", "type": "customer.created", "created": now,
                               "data": {"object": {"id": f"cus_bench_{n}", "object": "customer", "metadata": {}}}},
                              separators=(",", ":"))
            mac = hmac.new(secret.encode(), f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
            out.write(f"t={now},v1={mac}\t{body}\n")


class NoOpReceiver:
    """A minimal HTTP/1.1 keep-alive server answering 204 to everything, recording when each
    delivery arrived by the customer's external id in its body."""

    def __init__(self):
        self.arrivals = {}
        self.count = 0
        self.first = None
        self.last = None
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _client(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b""
                now = time.time()
                self.count += 1
                self.first = self.first or now
                self.last = now
                marker = body.find(b'"external_id":"')
                if marker >= 0:
                    end = body.index(b'"', marker + 15)
                    self.arrivals.setdefault(body[marker + 15:end].decode(), now)
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def call(port, method, path, key, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def throughput(binary, port, key, events):
    receiver = NoOpReceiver()
    endpoint = call(port, "POST", "/v1/webhook-endpoints", key, {"url": f"http://127.0.0.1:{receiver.port}/hooks"})
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: call(port, "PUT", f"/v1/customers/backlog_{n}", key, {}), range(events)))
    worker = subprocess.Popen([binary, "worker"], env=dict(os.environ, LOG_LEVEL="warning"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while receiver.count < events and time.time() < deadline:
            time.sleep(0.05)
        delivered = receiver.count
        span = (receiver.last or 0) - (receiver.first or 0)
        print(json.dumps({"events": events, "delivered": delivered,
                          "deliveries_per_s": (delivered - 1) / span if delivered > 1 and span > 0 else 0}))
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        call(port, "DELETE", f"/v1/webhook-endpoints/{endpoint['id']}", key)


def latency(port, key, count):
    receiver = NoOpReceiver()
    endpoint = call(port, "POST", "/v1/webhook-endpoints", key,
                    {"url": f"http://127.0.0.1:{receiver.port}/hooks", "events": ["customer.created"]})
    latencies = []
    for n in range(count):
        name = f"latency_{os.getpid()}_{n}"
        sent = time.time()
        call(port, "PUT", f"/v1/customers/{name}", key, {})
        while name not in receiver.arrivals and time.time() - sent < 10:
            time.sleep(0.0005)
        latencies.append((receiver.arrivals.get(name, sent + 10) - sent) * 1000)
        time.sleep(0.005)
    call(port, "DELETE", f"/v1/webhook-endpoints/{endpoint['id']}", key)
    latencies.sort()
    print(json.dumps({"count": count, "p50_ms": latencies[len(latencies) // 2],
                      "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)], "max_ms": latencies[-1]}))


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        sign(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "throughput":
        throughput(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1] == "latency":
        latency(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
