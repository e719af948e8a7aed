def other(event, context):
    return event
