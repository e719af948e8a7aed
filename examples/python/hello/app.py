"""A Python function as Lambda runs it: `module.function`, the event in, JSON out."""
import os

greeting = os.environ.get("GREETING", "Hello")  # module state, kept on warm invocations
calls = 0


def handler(event, context):
    global calls
    calls += 1
    name = event.get("name", "world")
    if name == "fail":
        raise ValueError(f"no greeting for {name}")
    print(f"greeting {name}")
    return {
        "greeting": f"{greeting}, {name}!",
        "calls": calls,
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
