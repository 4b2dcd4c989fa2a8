"""Redis cache that fails open: Redis down pauses caching, it never breaks a page."""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def _safe(self, method: str, default, *args, **kwargs):
        try:
            return getattr(super(), method)(*args, **kwargs)
        except _DOWN:
            logger.warning("cache unavailable during %s", method)
            return default

    def get(self, key, default=None, version=None):
        return self._safe("get", default, key, default, version)

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        return self._safe("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._safe("add", True, key, value, timeout, version)

    def delete(self, key, version=None):
        return self._safe("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._safe("get_many", {}, keys, version)

    def set_many(self, data, timeout=None, version=None):
        return self._safe("set_many", [], data, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._safe("incr", delta, key, delta, version)

    def touch(self, key, timeout=None, version=None):
        return self._safe("touch", False, key, timeout, version)

    def has_key(self, key, version=None):
        return self._safe("has_key", False, key, version)
