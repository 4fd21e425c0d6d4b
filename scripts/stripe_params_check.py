#!/usr/bin/env python3
"""Checks every request the Stripe adapter sends against Stripe's own definitions.

Reads the requests recorded by `StripeRequestShapeTests` (the JSON file named on the command
line) and, for each one, finds the operation in the official `stripe` Python library (16.1.0):
the service method whose `_request("post", "/v1/...")` matches the method and path, and the
TypedDict of its `params` (`stripe/params/*.py`). Every parameter, nested in Stripe's bracket
notation (`items[0][plan]`, `metadata[k]`), must be one that TypedDict accepts, and a value for a
parameter typed only as `Literal[...]` must be one it lists (most enums are typed
`Literal[...]|str`, open to values added later, and so take any string). Exits 1 naming each unknown or misspelt parameter.

Usage: stripe_params_check.py REQUESTS.json
"""
import importlib
import json
import os
import re
import sys
import typing

import stripe
from stripe._request_options import RequestOptions
from typing_extensions import NotRequired, Required, is_typeddict

PACKAGE = os.path.dirname(stripe.__file__)
OPTION_KEYS = set(RequestOptions.__annotations__)


def hints(cls):
    """A TypedDict's fields (inherited ones included) with the namespace to resolve them in."""
    return cls.__annotations__, vars(sys.modules[cls.__module__])


def resolve_type(tp, namespace):
    if isinstance(tp, str):
        return eval(tp, dict(namespace))
    if isinstance(tp, typing.ForwardRef):
        return eval(tp.__forward_arg__, dict(namespace))
    return tp


def routes():
    """(method, path regex) -> params class, from every service module of the library."""
    found = []
    for folder, _, files in os.walk(PACKAGE):
        if os.sep + "params" in folder:
            continue
        for name in files:
            if not name.endswith("_service.py"):
                continue
            path = os.path.join(folder, name)
            text = open(path).read()
            module = "stripe" + path[len(PACKAGE):-3].replace(os.sep, ".")
            imports = {cls: mod for mod, names in re.findall(r"from (stripe\.params[\w.]*) import \(?([\w,\s]+?)\)?\n", text)
                       for cls in re.findall(r"\w+", names)}
            for block in re.split(r"\n    (?:async )?def ", text)[1:]:
                params = re.search(r'params: (?:Optional\[)?"(\w+Params)"', block)
                request = re.search(r'_request(?:_async)?\(\s*"(get|post|delete)",\s*"([^"]+)"', block)
                if not params or not request:
                    continue
                template = re.sub(r"\{\w+\}", "[^/]+", request.group(2))
                found.append((request.group(1), re.compile("^" + template + "$"), params.group(1), imports.get(params.group(1), module)))
    return found


def resolve(class_name, module):
    return getattr(importlib.import_module(module), class_name)


def unwrap(tp, namespace):
    tp = resolve_type(tp, namespace)
    while typing.get_origin(tp) in (NotRequired, Required, typing.Annotated):
        tp = resolve_type(typing.get_args(tp)[0], namespace)
    return tp


def check(tp, segments, value, where, namespace):
    """An error message, or None when `segments` (with `value`) fits the type."""
    tp = unwrap(tp, namespace)
    origin = typing.get_origin(tp)
    if origin is typing.Union or (hasattr(typing, "UnionType") and isinstance(tp, getattr(__import__("types"), "UnionType", ()))):
        errors = [check(member, segments, value, where, namespace) for member in typing.get_args(tp)]
        return None if any(e is None for e in errors) else errors[0]
    if is_typeddict(tp):
        if not segments:
            return f"{where} needs a nested parameter"
        fields, inner = hints(tp)
        key = segments[0]
        if key not in fields:
            return f"{where}[{key}] is not a parameter of {tp.__name__}"
        return check(fields[key], segments[1:], value, f"{where}[{key}]", inner)
    if origin in (list, typing.List):
        if not segments or not segments[0].isdigit():
            return f"{where} is a list: index it as {where}[0]"
        return check(typing.get_args(tp)[0], segments[1:], value, f"{where}[{segments[0]}]", namespace)
    if origin in (dict, typing.Dict) or getattr(tp, "__name__", "") == "UntypedStripeObject" or getattr(origin, "__name__", "") == "UntypedStripeObject":
        if not segments:
            return f"{where} is a hash"
        args = typing.get_args(tp)
        return check(args[1] if len(args) == 2 else (args[0] if args else str), segments[1:], value, f"{where}[{segments[0]}]", namespace)
    if segments:
        return f"{where} takes no nested parameter [{segments[0]}]"
    if origin is typing.Literal or getattr(origin, "__name__", "") == "Literal":
        allowed = [str(a).lower() if isinstance(a, bool) else str(a) for a in typing.get_args(tp)]
        if value not in allowed:
            return f"{where}={value!r} is not one of {allowed}"
    return None


def problems(table, record):
    """Each unknown or misspelt parameter of one recorded request."""
    method, path = record["method"], record["path"]
    match = [(cls, mod) for m, pattern, cls, mod in table if m == method and pattern.match(path)]
    if not match:
        return None, [f"{method.upper()} {path}: no such operation in the stripe library"]
    cls = resolve(*match[0])
    fields, namespace = hints(cls)
    found = []
    for key, value in record["params"]:
        segments = re.findall(r"[^\[\]]+", key)
        name = segments[0]
        if name not in fields or name in OPTION_KEYS:
            found.append(f"{method.upper()} {path}: {key} is not a parameter of {cls.__name__}")
            continue
        error = check(fields[name], segments[1:], value, name, namespace)
        if error:
            found.append(f"{method.upper()} {path}: {error} ({cls.__name__})")
    return cls, found


def self_test(table):
    """The checker must refuse what Stripe refuses, or it proves nothing."""
    bad = [
        {"method": "post", "path": "/v1/subscriptions", "params": [["items[0][plna]", "x"]]},
        {"method": "post", "path": "/v1/subscriptions", "params": [["items[0][quantity][x]", "1"]]},
        {"method": "post", "path": "/v1/subscriptions", "params": [["items[plan]", "p"]]},
        {"method": "post", "path": "/v1/payment_intents", "params": [["payment_method_types[0]", "card"]]},
        {"method": "post", "path": "/v1/customers", "params": [["metadata", "x"]]},
        {"method": "post", "path": "/v1/customers", "params": [["idempotency_key", "x"]]},
        {"method": "get", "path": "/v1/nothing_here", "params": []},
    ]
    good = {"method": "post", "path": "/v1/subscriptions", "params": [["items[0][plan]", "p"], ["metadata[a]", "b"], ["payment_behavior", "allow_incomplete"]]}
    assert all(problems(table, record)[1] for record in bad), "the checker let a wrong parameter through"
    assert not problems(table, good)[1], "the checker refused a right parameter"


def main():
    records = json.load(open(sys.argv[1]))
    if not records:
        print("stripe params: no requests recorded")
        sys.exit(1)
    table = routes()
    self_test(table)
    failures, checked = [], set()
    for record in records:
        method, path = record["method"], record["path"]
        cls, found = problems(table, record)
        failures += found
        if cls is None:
            continue
        checked.add(f"{method.upper()} {re.sub(r'/(cus|sub|pi|pm|price|payments|cs)_[^/]*', '/{id}', path)} -> {cls.__name__}")
    for line in sorted(checked):
        print(f"  checked {line}")
    for failure in failures:
        print(f"  FAIL {failure}")
    print(f"stripe params: {len(records)} requests, {len(checked)} operations, {len(failures)} unknown or misspelt parameters")
    sys.exit(1 if failures else 0)


main()
