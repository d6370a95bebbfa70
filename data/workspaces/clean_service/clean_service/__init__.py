"""A token-bucket rate limiter and a request handler."""

from clean_service.handler import Response, handle
from clean_service.limiter import TokenBucket

__all__ = ["Response", "TokenBucket", "handle"]
