package io.herald.server.cli;

import io.herald.server.auth.DevelopmentTokens;
import io.herald.server.config.ConfigException;
import io.herald.server.config.Configuration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code herald token}: mints a development token with an HS key of the configuration
 * ({@code ./herald token --config herald.yml --sub 42 --ttl 1h --grant subscribe=chat:*}) and prints
 * the compact JWT on standard output (docs/configuration.md, "Command line"). A bad configuration or
 * option is one line on standard error and status 2. Only HS keys can mint (Herald holds their
 * secret); for RS, PS, ES and EdDSA keys it says it cannot.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Mint a development token (a JWT) with an HS key of the configuration and print it.")
public final class TokenCommand {
    @Option(names = "--config", paramLabel = "FILE", description = "The YAML configuration file with auth.keys.")
    Path configFile;

    @Option(names = "--sub", required = true, description = "The user id (the sub claim).")
    String sub;

    @Option(names = "--ttl", converter = DurationConverter.class, defaultValue = "1h",
            description = "How long the token lives, e.g. 10m, 1h (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--grant", paramLabel = "ACTION=PATTERN",
            description = "A grant, repeatable: subscribe|publish|history=PATTERN, e.g. subscribe=chat:*.")
    List<String> grants = new ArrayList<>();

    @Option(names = "--channel", description = "Make a subscription token for this one channel (a ticket when short-lived).")
    String channel;

    @Option(names = "--kid", description = "The key to sign with (default: the first HS key of auth.keys).")
    String kid;

    /** Mints and prints the token; returns the exit status (0, or 2 with one line on {@code err}). */
    int call(Map<String, String> env, PrintWriter out, PrintWriter err) {
        try {
            Configuration configuration = Configuration.load(configFile, configFile == null ? null : configFile.toString(),
                    env, Map.of(), List.of());
            String token = DevelopmentTokens.mint(configuration.serverConfig().auth(), env, kid, sub, ttl, grants, channel,
                    Clock.systemUTC());
            out.println(token);
            out.flush();
            return 0;
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("herald token: " + e.getMessage());
            err.flush();
            return 2;
        }
    }
}
