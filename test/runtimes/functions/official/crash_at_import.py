raise RuntimeError("configuration missing")


def handler(event, context):
    return event
