#!/usr/bin/python3
"""The parked start of the official Python runtime interface client in a generic worker pod.

ADR 0019, "Cluster mode": the interpreter boots while the pod is still generic, imports ahead
what the RIC will need and what reads nothing of a function (the standard library modules it
uses, its native client `runtime_client` and `simplejson`), and parks on Lamina's specialization
request. Once a function is known it becomes it: replaces `os.environ` with the function's
(so even the variables' order is a fresh runtime's), re-reads TZ, changes to the task root and
puts it first on `sys.path` (as `python3 -m` does with its working folder), passes the handler
as the one argument (as /var/runtime/bootstrap does), confirms, and only then runs the
unmodified `awslambdaric` as `python3 -m awslambdaric <handler>` would: its modules read
`AWS_LAMBDA_LOG_FORMAT` and the rest when they are imported, so none is imported before.
What a cold call saves is the interpreter's start and those imports; Init Duration still runs
from the specialisation to the RIC's first /next, and init errors are the RIC's own.

Invariants: nothing of a function is read before the answer; any failure before the
confirmation exits non-zero, so the agent spawns the runtime fresh.
Usage: python-parked.py
"""

import http.client
import json
import os
import runpy
import sys
import time

PATH = "/2018-06-01/runtime/lamina/specialization"


def warm_imports():
    """What the RIC imports that reads no function variable (see the module docstring)."""
    # pylint: disable=import-outside-toplevel,unused-import
    import decimal  # noqa: F401
    import importlib  # noqa: F401
    import logging  # noqa: F401
    import math  # noqa: F401
    import traceback  # noqa: F401
    from enum import IntEnum  # noqa: F401

    for name in ("runtime_client", "simplejson"):
        try:
            __import__(name)
        except ImportError:
            pass  # the RIC falls back or fails on its own, as when spawned


def call(api, method):
    """One request to the specialization route: (status, body)."""
    host, _, port = api.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port))
    try:
        conn.request(method, PATH, body=b"{}" if method == "POST" else None)
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def specialise():
    """Waits for the function and becomes it; raises on anything unexpected."""
    warm_imports()
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
    status, body = call(api, "GET")
    if status != 200:
        raise RuntimeError(f"specialization answered {status}: {body.decode(errors='replace')}")
    spec = json.loads(body)
    os.environ.clear()
    os.environ.update(spec["environment"])
    time.tzset()
    os.chdir(spec["taskRoot"])
    # `python3 -m` puts its working folder first on sys.path; this script's folder is there now.
    sys.path[0] = os.getcwd()
    sys.argv[1:] = [spec["handler"]]
    status, _ = call(api, "POST")
    if status != 202:
        raise RuntimeError(f"confirmation answered {status}")


try:
    specialise()
except Exception as err:  # pylint: disable=broad-except
    sys.stderr.write(f"lamina parked runtime: {err}\n")
    sys.exit(1)
runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
