"""Per-provider protection: circuit breaker, bulkhead, retries within a budget."""
