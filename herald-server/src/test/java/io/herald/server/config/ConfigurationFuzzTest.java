package io.herald.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the configuration file reader (docs/configuration.md, "Configuration file";
 * docs/security.md, "Fuzzing"): any bytes as {@code herald.yml} give a configuration or a one-line
 * {@link ConfigException}, never another exception. Without {@code JAZZER_FUZZ} the committed inputs
 * under {@code ConfigurationFuzzTestInputs} run as a regression test.
 */
class ConfigurationFuzzTest {
    private static final Path FILE = file();

    private static Path file() {
        try {
            Path f = Files.createTempFile("herald-fuzz", ".yml");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void anyBytesAsTheFile(byte[] yaml) throws IOException {
        Files.write(FILE, yaml);
        try {
            assertThat(Configuration.load(FILE, "herald.yml", Map.of(), Map.of(), List.of()).serverConfig()).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }
}
