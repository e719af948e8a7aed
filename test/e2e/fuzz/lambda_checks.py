"""Schemathesis checks for Lamina's Lambda API (test/e2e/fuzz-api.int.test.ts loads this module
through SCHEMATHESIS_HOOKS): besides schemathesis' own not_a_server_error, every 4xx answer must
name a Lambda error in X-Amzn-ErrorType and carry a JSON body with a message."""
import json

import schemathesis


@schemathesis.check
def lambda_error_name(ctx, response, case):
    status = response.status_code
    if status < 400 or status >= 500:
        return None
    name = response.headers.get("x-amzn-errortype")
    if isinstance(name, list):
        name = name[0] if name else None
    if not name:
        raise AssertionError(f"{status} without X-Amzn-ErrorType")
    base = name.split(":")[0]
    if not base.endswith("Exception"):
        raise AssertionError(f"{status} with error type {name!r}, not a Lambda error name")
    try:
        body = json.loads(response.content or b"{}")
    except ValueError as err:
        raise AssertionError(f"{status} {name} with a body that is not JSON") from err
    if not isinstance(body, dict) or not (body.get("message") or body.get("Message")):
        raise AssertionError(f"{status} {name} without a message")
    return None
