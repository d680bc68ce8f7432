/** The Redis Streams backend (standalone or cluster) via Lettuce; depends on backend, config slices and routing only (its ReadGuard is supplied from outside). */
package io.tidegate.gateway.backend.redis;
