package io.herald.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the tests find the clients from npm: {@code herald-server/src/test/npm} (its
 * {@code package.json} pins them; {@code .ci/run} installs them with {@code npm ci}). A test that
 * needs one fails when it is absent under CI (the {@code CI} variable) and is skipped with a clear
 * message otherwise.
 */
public final class NpmClients {
    /** The npm directory, relative to herald-server (surefire's working directory). */
    public static final Path DIR = Paths.get("src", "test", "npm");

    private NpmClients() {
    }

    /** The installed package {@code name}'s directory; fails under CI or skips when absent. */
    public static Path require(String name) {
        Path dir = DIR.resolve("node_modules").resolve(name);
        boolean node = Files.isExecutable(Paths.get("/usr/bin/node"));
        if (!Files.isDirectory(dir) || !node) {
            String message = (node ? "" : "no /usr/bin/node; ") + "npm package " + name + " not installed in " + DIR.toAbsolutePath()
                    + " (cd herald-server/src/test/npm && npm ci)";
            if (System.getenv("CI") != null) {
                throw new AssertionError(message);
            }
            Assumptions.assumeTrue(false, message + "; skipped");
        }
        return dir;
    }
}
