/**
 * Access control of the core: who a client is ({@link io.herald.core.auth.Principal}), what a token
 * grants ({@link io.herald.core.auth.Grants}), the per-namespace levels
 * ({@link io.herald.core.auth.AccessLevel}) and the one decision every read and write path goes
 * through ({@link io.herald.core.auth.Authorizer}). How a principal is established (tokens, API keys)
 * is the server's business; this package knows nothing of JWT, HTTP or Netty.
 *
 * <p>Model: docs/security.md; wire codes: docs/protocol.md, "Errors" and "Disconnect codes".
 */
package io.herald.core.auth;
