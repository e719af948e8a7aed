"""Conformance function for python3.* (see ../README.md)."""
import os
import tempfile
import time

count = 0
hoard = []


def handler(event, context):
    global count
    action = event.get("action")
    if action == "echo":
        return event
    if action == "log":
        print(f"conformance-log {event['value']}", flush=True)
        return {"logged": event["value"]}
    if action == "context":
        return {
            "functionName": context.function_name,
            "functionVersion": context.function_version,
            "invokedFunctionArn": context.invoked_function_arn,
            "memoryLimitInMB": str(context.memory_limit_in_mb),
            "awsRequestId": context.aws_request_id,
            "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name,
            "remainingTimeInMillis": context.get_remaining_time_in_millis(),
        }
    if action == "env":
        return {name: os.environ.get(name) for name in event["names"]}
    if action == "error":
        raise ValueError("boom")
    if action == "count":
        count += 1
        return {"count": count}
    tmp = os.path.join(tempfile.gettempdir(), "conformance.txt")
    if action == "tmp-write":
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(event["value"])
        return {"written": event["value"]}
    if action == "tmp-read":
        with open(tmp, encoding="utf-8") as f:
            return {"value": f.read()}
    if action == "sleep":
        time.sleep(event["ms"] / 1000)
        return {"slept": event["ms"]}
    if action == "blowup":
        while True:
            hoard.append(bytearray(b"\x01" * (4 * 1024 * 1024)))
            time.sleep(0.01)
    raise ValueError(f"unknown action {action}")
