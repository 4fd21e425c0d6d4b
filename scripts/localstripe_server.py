#!/usr/bin/env python3
"""Runs localstripe (PyPI, a stateful fake Stripe) on 127.0.0.1 only.

Its own CLI binds every interface; this binds loopback, starts from an empty store and never
loads or saves one on disk.

One shim: localstripe predates `automatic_payment_methods`, which API 2026-10-28 requires on a
payment intent confirmed server-side (`payment_method_types` is gone from it); localstripe
refuses unknown parameters, so it is taught to accept and ignore this one. The adapter's
requests are checked against the current API by scripts/stripe_params_check.py.

Usage: localstripe_server.py PORT
"""
import logging
import sys

from aiohttp import web
from localstripe.resources import PaymentIntent, Store
from localstripe.server import app

Store.dump_to_disk = lambda self: None  # keep the state in memory only

_payment_intent_init = PaymentIntent.__init__


def _accept_automatic_payment_methods(self, automatic_payment_methods=None, **kwargs):
    _payment_intent_init(self, **kwargs)


PaymentIntent.__init__ = _accept_automatic_payment_methods

logging.basicConfig(level=logging.WARNING)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
