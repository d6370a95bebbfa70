from clean_service import TokenBucket, handle


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_health_is_ok() -> None:
    assert handle("/health", TokenBucket()).status == 200


def test_unknown_route_is_404() -> None:
    response = handle("/nope", TokenBucket())
    assert response.status == 404
    assert "/nope" in response.body


def test_bucket_runs_dry_then_refills() -> None:
    clock = FakeClock()
    bucket = TokenBucket(capacity=2, refill_per_second=1, clock=clock)
    assert bucket.take() and bucket.take()
    assert not bucket.take()
    clock.now = 1.0
    assert bucket.take()


def test_rate_limited_request_gets_429() -> None:
    bucket = TokenBucket(capacity=1, clock=FakeClock())
    handle("/health", bucket)
    assert handle("/health", bucket).status == 429
