package io.herald.server.auth;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.auth.Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The credentials the server accepts, loaded from the configuration: the token keys (a
 * {@link TokenVerifier}) and the API keys. Loading reads every file and variable once, at start, and
 * checks them (an HMAC secret shorter than its hash, a PEM that is not a public key of the
 * algorithm's family, a missing file...), failing with one line that names the item. Immutable;
 * thread-safe.
 *
 * <p>Model: docs/security.md, "Tokens" and "API keys".
 */
public final class Credentials {
    /** The shortest API key accepted, in bytes. */
    public static final int MIN_API_KEY_BYTES = 16;

    private record ApiKey(String name, byte[] key, boolean admin) {
    }

    private final TokenVerifier tokens;
    private final List<ApiKey> apiKeys;

    private Credentials(TokenVerifier tokens, List<ApiKey> apiKeys) {
        this.tokens = tokens;
        this.apiKeys = apiKeys;
    }

    /**
     * Reads and checks every key of {@code config}.
     *
     * @param config the access-control settings
     * @param env    the environment ({@code secret-env} and {@code key-env} name variables of it)
     * @throws IllegalArgumentException {@code "auth.keys[1]: problem"} or {@code "api-keys[0]: problem"}
     */
    public static Credentials load(AuthConfig config, Map<String, String> env) {
        TokenVerifier tokens = config.enabled() ? TokenVerifier.load(config, env) : null;
        List<ApiKey> apiKeys = new ArrayList<>();
        for (int i = 0; i < config.apiKeys().size(); i++) {
            AuthConfig.ApiKeySpec spec = config.apiKeys().get(i);
            String at = "api-keys[" + i + "]";
            byte[] key = secret(at, spec.keyFile(), "key-file", spec.keyEnv(), "key-env", env);
            if (key.length < MIN_API_KEY_BYTES) {
                throw new IllegalArgumentException(at + ": the key has " + key.length + " bytes (expected: at least "
                        + MIN_API_KEY_BYTES + ", e.g. openssl rand -hex 32)");
            }
            apiKeys.add(new ApiKey(spec.name(), key, spec.scope().equals("admin")));
        }
        return new Credentials(tokens, List.copyOf(apiKeys));
    }

    /**
     * The bytes of a secret from a file (a trailing newline removed) or an environment variable.
     *
     * @throws IllegalArgumentException naming {@code at} and the file or variable
     */
    static byte[] secret(String at, Path file, String fileKey, String envName, String envKey, Map<String, String> env) {
        String text;
        if (file != null) {
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException(at + ": " + fileKey + " " + file + " cannot be read ("
                        + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
            }
        } else {
            text = env.get(envName);
            if (text == null) {
                throw new IllegalArgumentException(at + ": " + envKey + " " + envName + " is not set");
            }
        }
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException(at + ": the secret is empty");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Starts what runs in the background: the fetching of {@code auth.jwks-url} (a no-op without one).
     * The server calls it when it starts; loading a configuration only to check it does not.
     */
    public void start() {
        if (tokens != null) {
            tokens.start();
        }
    }

    /** Stops what {@link #start()} started; idempotent. */
    public void close() {
        if (tokens != null) {
            tokens.close();
        }
    }

    /** The token verifier, or null when access control is off. */
    public TokenVerifier tokens() {
        return tokens;
    }

    /** Whether any API key is configured (then {@code POST /pub} needs a credential). */
    public boolean hasApiKeys() {
        return !apiKeys.isEmpty();
    }

    /**
     * The server an API key belongs to. Compares in constant time against every key (no early exit),
     * so the timing tells nothing of which key or how much of it matched.
     *
     * @param presented the {@code X-API-Key} header's value
     * @param admin     whether the use needs a key of {@code admin} scope
     * @return {@link Principal#server} named after the key
     * @throws HeraldException {@code unauthorized} when it matches no key; {@code forbidden} when
     *                         {@code admin} is asked and it is a key of publish scope
     */
    public Principal apiKey(String presented, boolean admin) {
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        ApiKey found = null;
        for (ApiKey k : apiKeys) {
            if (MessageDigest.isEqual(k.key, bytes) && found == null) {
                found = k;
            }
        }
        if (found == null) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "the API key matches no configured key");
        }
        Principal server = Principal.server(found.name);
        if (admin && !found.admin) {
            throw new HeraldException(ErrorCode.FORBIDDEN, server + " has publish scope; this needs an admin key");
        }
        return server;
    }
}
