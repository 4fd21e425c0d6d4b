#!/usr/bin/env python3
"""Runs localstripe (PyPI, a stateful fake Stripe) on 127.0.0.1 only.

Its own CLI binds every interface; this binds loopback, starts from an empty store and never
loads or saves one on disk. Usage: localstripe_server.py PORT
"""
import logging
import sys

from aiohttp import web
from localstripe.resources import Store
from localstripe.server import app

Store.dump_to_disk = lambda self: None  # keep the state in memory only

logging.basicConfig(level=logging.WARNING)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
