"""AWS Lambda's signature: chosen because handler takes two parameters."""


def handler(event, context):
    return {
        "echo": event,
        "function": context.function_name,
        "version": context.function_version,
        "memory_mb": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
