package io.herald.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification keys of a JWK Set (RFC 7517, section 5) at {@code auth.jwks-url}, fetched with
 * nimbus-jose-jwt's {@link JWKSourceBuilder}: a cache of {@link #CACHE_TTL_MS} refreshed ahead of its
 * expiry, a refetch at most every {@link #RATE_LIMIT_MS} (so tokens with unknown {@code kid}s cannot
 * make Herald hammer the key server), one retry, and outage tolerance (the last keys stay in use
 * while the server is down).
 *
 * <p>Every fetch runs on this class's own thread ({@code herald-jwks}) or nimbus's refresh-ahead
 * thread, never on an event loop: {@link #key(String)} only reads the last snapshot of the keys, and
 * a miss asks for a background refetch and returns null at once (the token is refused as
 * {@code unauthorized}; the client's next attempt, after the refetch, passes). Rotation therefore costs a
 * new key's first users one refused attempt, not a blocked event loop.
 *
 * <p>Only keys usable for {@code auth.jwks-algs} are taken: RSA keys (of at least 2048 bits) for
 * RS/PS algorithms, EC keys for the ES algorithm of their curve, OKP Ed25519 keys for EdDSA (RFC 8037);
 * a key's {@code alg}, when present, narrows that further; keys with {@code use} other than
 * {@code sig} or without a {@code kid}, and symmetric ({@code oct}) keys, are ignored: an HMAC secret
 * published in a JWK Set is no secret. Thread-safe.
 */
final class JwksKeys implements AutoCloseable {
    /** How long a fetched JWK Set is used before it is fetched again, in milliseconds. */
    static final long CACHE_TTL_MS = 5 * 60_000;
    /** The shortest interval between two fetches caused by unknown {@code kid}s, in milliseconds. */
    static final long RATE_LIMIT_MS = 30_000;
    /** How often the snapshot is compared with nimbus's cache (which the refresh-ahead updates), in milliseconds. */
    static final long POLL_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);

    /** The keys of one JWK Set, by {@code kid}. */
    private record Snapshot(JWKSet set, Map<String, TokenVerifier.Key> keys) {
    }

    private final URL url;
    private final Set<JWSAlgorithm> allowed;
    private final JWKSetBasedJWKSource<SecurityContext> source;
    private final JWKSetSource<SecurityContext> sets;
    private final AtomicBoolean refetchPending = new AtomicBoolean();
    private volatile Snapshot snapshot = new Snapshot(null, Map.of());
    private ScheduledExecutorService executor;
    private boolean closed;

    private JwksKeys(URL url, Set<JWSAlgorithm> allowed) {
        this.url = url;
        this.allowed = allowed;
        this.source = (JWKSetBasedJWKSource<SecurityContext>) JWKSourceBuilder
                .<SecurityContext>create(url, new DefaultResourceRetriever(1000, 1000, 256 * 1024))
                .cache(CACHE_TTL_MS, 2000)
                .refreshAheadCache(30_000, true)
                .rateLimited(RATE_LIMIT_MS)
                .retrying(true)
                .outageTolerant(true)
                .build();
        this.sets = source.getJWKSetSource();
    }

    /**
     * The keys of {@code config.jwksUrl()} for {@code config.jwksAlgs()}; fetches nothing yet.
     *
     * @throws IllegalArgumentException {@code "jwksUrl: URL (expected: an http or https URL)"}
     */
    static JwksKeys create(AuthConfig config) {
        URL url;
        try {
            URI uri = new URI(config.jwksUrl());
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(config.jwksUrl(), "not http(s)");
            }
            url = uri.toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("jwksUrl: " + config.jwksUrl() + " (expected: an http or https URL)");
        }
        Set<JWSAlgorithm> allowed = new LinkedHashSet<>();
        config.jwksAlgs().forEach(a -> allowed.add(JWSAlgorithm.parse(a)));
        return new JwksKeys(url, Set.copyOf(allowed));
    }

    /** Starts the background thread: a first fetch now, then a look at the cache every {@link #POLL_MS}. */
    synchronized void start() {
        if (executor != null || closed) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "herald-jwks");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> load(JWKSetCacheRefreshEvaluator.noRefresh()), 0, POLL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The key named {@code kid} in the last JWK Set fetched, or null, never blocking. A miss asks the
     * background thread for a refetch (rate-limited), so a key that has just appeared (rotation) is
     * found by a later attempt.
     */
    TokenVerifier.Key key(String kid) {
        TokenVerifier.Key key = snapshot.keys().get(kid);
        if (key == null) {
            requestRefetch();
        }
        return key;
    }

    /** The {@code kid}s of the last JWK Set fetched that are usable (for tests and logs). */
    Set<String> kids() {
        return snapshot.keys().keySet();
    }

    /** Whether a refetch asked for by a miss is queued or running (for tests). */
    boolean refetchPending() {
        return refetchPending.get();
    }

    private void requestRefetch() {
        ScheduledExecutorService e;
        synchronized (this) {
            e = closed ? null : executor;
        }
        if (e != null && refetchPending.compareAndSet(false, true)) {
            try {
                e.execute(() -> {
                    try {
                        JWKSet current = snapshot.set();
                        load(current == null ? JWKSetCacheRefreshEvaluator.noRefresh()
                                : JWKSetCacheRefreshEvaluator.referenceComparison(current));
                    } finally {
                        refetchPending.set(false);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                refetchPending.set(false);
            }
        }
    }

    /** On the background thread: the JWK Set from nimbus (cached, or fetched as {@code when} says) as the snapshot. */
    private void load(JWKSetCacheRefreshEvaluator when) {
        try {
            JWKSet set = sets.getJWKSet(when, System.currentTimeMillis(), null);
            if (set != snapshot.set()) {
                Map<String, TokenVerifier.Key> keys = keysOf(set, allowed);
                snapshot = new Snapshot(set, keys);
                LOG.info("JWK Set {}: {} usable key(s) {}", url, keys.size(), keys.keySet());
            }
        } catch (RateLimitReachedException e) {
            LOG.debug("JWK Set {}: refetch skipped (at most one per {} s)", url, RATE_LIMIT_MS / 1000);
        } catch (KeySourceException | RuntimeException e) {
            LOG.warn("JWK Set {}: cannot be fetched ({}); keeping the {} key(s) fetched before", url, e.getMessage(),
                    snapshot.keys().size());
        }
    }

    /** The usable keys of {@code set}, by {@code kid} (see the class comment for which are usable). */
    static Map<String, TokenVerifier.Key> keysOf(JWKSet set, Set<JWSAlgorithm> allowed) {
        Map<String, TokenVerifier.Key> keys = new HashMap<>();
        for (JWK jwk : set.getKeys()) {
            String kid = jwk.getKeyID();
            if (kid == null || kid.isEmpty() || (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse()))) {
                continue;
            }
            try {
                Set<JWSAlgorithm> algs = new HashSet<>();
                JWSVerifier verifier;
                if (jwk instanceof RSAKey rsa && rsa.size() >= 2048) {
                    algs.addAll(JWSAlgorithm.Family.RSA);
                    verifier = new RSASSAVerifier(rsa.toRSAPublicKey());
                } else if (jwk instanceof ECKey ec) {
                    algs.add(ECDSA.resolveAlgorithm(ec.getCurve()));
                    verifier = new ECDSAVerifier(ec.toECPublicKey());
                } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
                    algs.add(JWSAlgorithm.EdDSA);
                    verifier = new Ed25519Verifier(okp.toPublicJWK());
                } else {
                    continue; // oct (an HMAC secret in the open), small RSA, X25519, Ed448...
                }
                if (jwk.getAlgorithm() != null) {
                    algs.retainAll(Set.of(JWSAlgorithm.parse(jwk.getAlgorithm().getName())));
                }
                algs.retainAll(allowed);
                if (!algs.isEmpty()) {
                    keys.put(kid, new TokenVerifier.Key(kid, Set.copyOf(algs), verifier));
                }
            } catch (JOSEException | RuntimeException e) {
                LOG.warn("JWK Set key {} ignored: {}", kid, e.getMessage());
            }
        }
        return Map.copyOf(keys);
    }

    /** Stops the background thread and nimbus's refresh-ahead; idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (executor != null) {
                executor.shutdownNow();
            }
        }
        try {
            source.close();
        } catch (IOException e) {
            LOG.debug("JWK Set source close: {}", e.getMessage());
        }
    }
}
