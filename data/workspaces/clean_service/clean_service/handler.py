"""A request handler guarded by a token bucket."""

from dataclasses import dataclass

from clean_service.limiter import TokenBucket


@dataclass(frozen=True)
class Response:
    status: int
    body: str


def handle(path: str, bucket: TokenBucket) -> Response:
    if not bucket.take():
        return Response(429, "slow down")
    if path == "/health":
        return Response(200, "ok")
    return Response(404, f"no route for {path}")
