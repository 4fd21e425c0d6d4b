#!/usr/bin/env python3
"""Helpers for scripts/bench.sh's event rows.

  bench_outbox.py sign SECRET COUNT FILE
      writes COUNT distinct Stripe events as Stripe sends them (whole objects from Stripe's
      fixtures, indented: 4.2 KB on average), each with a valid Stripe-Signature for SECRET, one
      per line as "signature<TAB>body" (for scripts/wrk/post-webhook.lua); prints the average
      body size.

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


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "stripe", "fixtures3.json")


def stripe_events(count, created):
    """COUNT distinct events of the kinds Stripe sends most, as Stripe sends them: the whole object
    from Stripe's published fixtures (`../shared/stripe/fixtures3.json`), what changed in
    `previous_attributes`, indented; `customer.updated`, `customer.subscription.updated` and
    `invoice.payment_succeeded` in turn (4.2 KB on average)."""
    resources = json.load(open(os.environ.get("STRIPE_FIXTURES", FIXTURES)))["resources"]
    kinds = [("customer.updated", resources["customer"], {"email": "old@example.com", "name": None}),
             ("customer.subscription.updated", resources["subscription"], {"status": "trialing"}),
             ("invoice.payment_succeeded", resources["invoice"], {"status": "open", "amount_paid": 0})]
    run = os.urandom(4).hex()
    texts = []
    for kind, template, previous in kinds:
        obj = dict(template, id=f"{template['id']}_{run}_@N@")
        if kind != "customer.updated":
            obj["customer"] = "cus_bench_@C@"
        event = {"id": f"evt_bench_{run}_@N@", "object": "event", "api_version": "2026-10-28.endive", "created": created,
                 "data": {"object": obj, "previous_attributes": previous}, "livemode": False, "pending_webhooks": 1,
                 "request": {"id": f"req_{run}_@N@", "idempotency_key": None}, "type": kind}
        texts.append(json.dumps(event, indent=2))
    for n in range(count):
        yield texts[n % len(texts)].replace("@N@", str(n)).replace("@C@", str(n % 1000))


def sign(secret, count, path):
    """Writes COUNT signed events, "signature<TAB>body" a line, the body's newlines written as
    the control character RS (0x1E), which JSON text never holds (post-webhook.lua turns them back). Prints the bodies' average size in bytes."""
    now = int(time.time())
    total = 0
    with open(path, "w") as out:
        for body in stripe_events(count, now):
            total += len(body)
            mac = hmac.new(secret.encode(), f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
            out.write(f"t={now},v1={mac}\t{body.replace(chr(10), chr(30))}\n")
    print(round(total / count))


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
