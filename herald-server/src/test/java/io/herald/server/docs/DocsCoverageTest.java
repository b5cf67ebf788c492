package io.herald.server.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.Disconnect;
import io.herald.core.ErrorCode;
import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.ServerConfig;
import io.herald.server.cli.HeraldCommand;
import io.herald.server.config.Setting;
import io.herald.server.config.Settings;
import io.herald.server.testing.TestServer;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Fails, naming what is missing, when the docs fall behind the code: every option of the
 * {@code herald} command, every key of the configuration file with its environment variable, and
 * every component of the configuration records must be in {@code docs/configuration.md}; every error code, disconnect code and {@code herald_*} meter must
 * be in {@code docs/protocol.md}.
 *
 * <p>A name counts as documented when it stands in backticks ({@code `--port`}, {@code `historySize`},
 * {@code `invalid_channel`}, {@code `herald_sessions`} or {@code `herald_disconnects_total{reason}`});
 * a disconnect code when it fills a table cell ({@code | 4000 |}). The lists come from the code
 * itself (picocli's model of the command, the records' components, the enums' {@code code()}) and
 * from a real server's {@code GET /metrics}, so a new setting, code or meter fails this test until it
 * is documented. Maven runs the tests with the module as working directory: the docs are
 * {@code ../docs}.
 */
class DocsCoverageTest {
    private static final Path DOCS = Path.of("..", "docs");

    private static String read(String name) throws IOException {
        Path path = DOCS.resolve(name);
        assertThat(path).as("%s (the tests run with herald-server as working directory)", path.toAbsolutePath().normalize())
                .isRegularFile();
        return Files.readString(path, StandardCharsets.UTF_8);
    }

    /** The names of {@code names} that do not stand in backticks in {@code doc}. */
    private static List<String> notInBackticks(String doc, Iterable<String> names) {
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (!doc.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        return missing;
    }

    @Test
    void everyOptionOfTheHeraldCommandIsInConfigurationMd() throws IOException {
        String doc = read("configuration.md");
        Set<String> longNames = new TreeSet<>();
        for (OptionSpec option : new CommandLine(new HeraldCommand()).getCommandSpec().options()) {
            Arrays.stream(option.names()).filter(n -> n.startsWith("--")).forEach(longNames::add);
        }
        assertThat(longNames).as("long options of HeraldCommand").contains("--port", "--help");
        assertThat(notInBackticks(doc, longNames)).as("options of the herald command missing from docs/configuration.md")
                .isEmpty();
    }

    @Test
    void everyComponentOfTheConfigurationRecordsIsInConfigurationMd() throws IOException {
        String doc = read("configuration.md");
        List<String> missing = new ArrayList<>();
        int components = 0;
        for (Class<?> record : List.of(ServerConfig.class, NodeConfig.class, NamespaceOptions.class)) {
            for (RecordComponent component : record.getRecordComponents()) {
                components++;
                if (!doc.contains("`" + component.getName() + "`")) {
                    missing.add(record.getSimpleName() + "." + component.getName());
                }
            }
        }
        assertThat(components).as("record components read").isGreaterThanOrEqualTo(3);
        assertThat(missing).as("configuration settings missing from docs/configuration.md").isEmpty();
    }

    @Test
    void everyKeyOfTheConfigurationFileAndItsEnvironmentVariableIsInConfigurationMd() throws IOException {
        String doc = read("configuration.md");
        List<String> names = new ArrayList<>();
        for (Setting s : Settings.ALL) {
            names.add(s.key());
            names.add(s.env());
        }
        for (String option : Settings.NAMESPACE_OPTIONS.keySet()) {
            names.add(Settings.NAMESPACES + ".NAME." + option);
        }
        assertThat(names).as("keys read from Settings").contains("server.port", "HERALD_SERVER_PORT");
        assertThat(notInBackticks(doc, names)).as("configuration keys or environment variables missing from docs/configuration.md")
                .isEmpty();
    }

    @Test
    void everyErrorCodeIsInProtocolMd() throws IOException {
        String doc = read("protocol.md");
        List<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList();
        assertThat(codes).as("error codes").isNotEmpty();
        assertThat(notInBackticks(doc, codes)).as("error codes missing from docs/protocol.md").isEmpty();
    }

    @Test
    void everyDisconnectCodeIsInATableOfProtocolMd() throws IOException {
        String doc = read("protocol.md");
        List<Integer> missing = new ArrayList<>();
        for (Disconnect disconnect : Disconnect.values()) {
            if (!Pattern.compile("(?m)\\|\\s*" + disconnect.code() + "\\s*\\|").matcher(doc).find()) {
                missing.add(disconnect.code());
            }
        }
        assertThat(Disconnect.values()).as("disconnect codes").isNotEmpty();
        assertThat(missing).as("disconnect codes missing from the tables of docs/protocol.md").isEmpty();
    }

    @Test
    void everyHeraldMeterOfARealServerIsInProtocolMd() throws IOException {
        String doc = read("protocol.md");
        Set<String> meters = new TreeSet<>();
        try (TestServer server = TestServer.start()) {
            HttpResponse<String> scrape = server.admin("/metrics");
            assertThat(scrape.statusCode()).as("GET /metrics").isEqualTo(200);
            Matcher sample = Pattern.compile("(?m)^(herald_[A-Za-z0-9_]*)[{ ]").matcher(scrape.body());
            while (sample.find()) {
                meters.add(sample.group(1));
            }
        }
        assertThat(meters).as("herald_* meters scraped").contains("herald_publications_total");
        List<String> missing = new ArrayList<>();
        for (String meter : meters) {
            if (!Pattern.compile("`" + Pattern.quote(meter) + "[`{]").matcher(doc).find()) {
                missing.add(meter);
            }
        }
        assertThat(missing).as("meters of GET /metrics missing from docs/protocol.md").isEmpty();
    }
}
