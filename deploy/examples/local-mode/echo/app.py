"""Answers with the event it was given and the function's name: the smallest Python function."""


def handler(event, context):
    return {"echo": event, "function": context.function_name}
