#!/usr/bin/env python3
"""Writes webhook signature cases made and judged by the official `stripe` library (16.1.0).

Each case has a raw payload, a `Stripe-Signature` header built with `stripe.WebhookSignature`,
the secrets the receiver holds, the tolerance, the time it was judged at, and Stripe's own verdict (`verify_header` under
any of the secrets). `StripeSignatureTests` checks the service's verifier gives the same verdict
on every case. Usage: stripe_signature_cases.py OUT.json
"""
import json
import sys
import time

import stripe
from stripe import WebhookSignature

now = int(time.time())
body = '{"id":"evt_case","object":"event","type":"invoice.paid","data":{"object":{"id":"in_1"}}}'
secret, other, old = "whsec_current_secret", "whsec_someone_else", "whsec_rotated_out"


def sign(payload, key, timestamp):
    return WebhookSignature._compute_signature(f"{timestamp}.{payload}", key)


def stripe_verdict(payload, header, secrets, tolerance):
    for key in secrets:
        try:
            WebhookSignature.verify_header(payload, header, key, tolerance)
            return True
        except stripe.SignatureVerificationError:
            continue
    return False


good = sign(body, secret, now)
cases = [
    ("valid", body, f"t={now},v1={good}", [secret]),
    ("tampered body", body.replace("invoice.paid", "invoice.void"), f"t={now},v1={good}", [secret]),
    ("wrong secret", body, f"t={now},v1={sign(body, other, now)}", [secret]),
    ("stale (10 minutes)", body, f"t={now - 600},v1={sign(body, secret, now - 600)}", [secret]),
    ("from the future", body, f"t={now + 600},v1={sign(body, secret, now + 600)}", [secret]),
    ("several v1, one good", body, f"t={now},v1={sign(body, other, now)},v1={good},v0={good}", [secret]),
    ("only v0", body, f"t={now},v0={good}", [secret]),
    ("rotated: signed with the old secret", body, f"t={now},v1={sign(body, old, now)}", [secret, old]),
    ("rotated: old secret dropped", body, f"t={now},v1={sign(body, old, now)}", [secret]),
    ("no timestamp", body, f"v1={good}", [secret]),
    ("timestamp changed", body, f"t={now + 1},v1={good}", [secret]),
    ("uppercase hex", body, f"t={now},v1={good.upper()}", [secret]),
    ("empty header", body, "", [secret]),
]
out = [
    {"name": name, "payload": payload, "header": header, "secrets": secrets, "tolerance": 300, "now": now,
     "valid": stripe_verdict(payload, header, secrets, 300)}
    for name, payload, header, secrets in cases
]
json.dump(out, open(sys.argv[1], "w"), indent=2)
print(f"stripe signature cases: {len(out)} written ({sum(c['valid'] for c in out)} valid)")
