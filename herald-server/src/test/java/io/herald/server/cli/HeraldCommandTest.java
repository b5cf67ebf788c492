package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class HeraldCommandTest {

    private static ServerConfig parse(String... args) {
        HeraldCommand command = new HeraldCommand();
        new CommandLine(command).parseArgs(args);
        return command.config(Map.of());
    }

    @Test
    void writeDelaySetsTheDefaultNamespacesAndCoalesceIsItsOldName() {
        assertThat(parse().node().defaultNamespace().writeDelay()).isEqualTo(Duration.ofMillis(20));
        assertThat(parse("--write-delay", "10ms").node().defaultNamespace().writeDelay()).isEqualTo(Duration.ofMillis(10));
        // scripts of earlier versions (scripts/bench.sh variants) say --coalesce 0
        assertThat(parse("--coalesce", "0", "--namespace", "chat:10:1m:true").node().optionsOf("chat:a").writeDelay()).isZero();
    }

    @Test
    void demoIsOffByDefaultAndLeavesTheDemoNamespaceAlone() {
        ServerConfig config = parse();
        assertThat(config.demo()).isFalse();
        assertThat(config.node().optionsOf("demo:signups")).isEqualTo(config.node().optionsOf("other"));
    }

    @Test
    void demoKeepsADayOfHistoryInTheDemoNamespace() {
        ServerConfig config = parse("--demo");
        assertThat(config.demo()).isTrue();
        NamespaceOptions demo = config.node().optionsOf("demo:signups");
        assertThat(demo.historyAge()).isEqualTo(Duration.ofDays(1));
        assertThat(demo.historySize()).isEqualTo(1000);
        assertThat(demo.allowClientPublish()).isTrue();
        assertThat(config.node().optionsOf("other").historyAge()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void demoNeverShortensALongerHistoryAge() {
        assertThat(parse("--demo", "--history-age", "48h").node().optionsOf("demo:chat").historyAge())
                .isEqualTo(Duration.ofHours(48));
    }

    @Test
    void anExplicitDemoNamespaceWins() {
        NamespaceOptions demo = parse("--demo", "--namespace", "demo:50:1m:false").node().optionsOf("demo:chat");
        assertThat(demo.historySize()).isEqualTo(50);
        assertThat(demo.historyAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(demo.allowClientPublish()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--namespace chat:x:5m:true | --namespace chat:x:5m:true: SIZE 'x' is not a whole number",
            "--namespace chat:-1:5m:true | --namespace chat: history-size: -1 (expected: >= 0)",
            "--namespace chat:5:soon:true | --namespace chat:5:soon:true: AGE 'soon' (expected: a duration like 500ms, 30s, 10m, 1h)",
            "--namespace chat:5:5m:yes | --namespace chat:5:5m:yes: PUBLISH 'yes' (expected: true or false)",
            "--namespace chat:5m | --namespace chat:5m: expected NAME:SIZE:AGE:PUBLISH, e.g. chat:500:5m:true",
            "--namespace a:b:5:5m:true | --namespace a:b:5:5m:true: expected NAME:SIZE:AGE:PUBLISH, e.g. chat:500:5m:true",
            "--queue-max-bytes 10 | --queue-max-bytes: 10 (expected: >= maxPayloadBytes + 1024 = 66560)",
            "--port 70000 | --port: 70000 (expected: 0..65535)",
            "--heartbeat 0 | --heartbeat: PT0S (expected: > 0)",
            "--port abc | Invalid value for option '--port': 'abc' is not an int (herald --help lists the options)",
            "--history-age 10minutes | Invalid value for option '--history-age': '10minutes' (expected: a duration like 500ms, 30s, 10m, 1h) (herald --help lists the options)",
            "--config /nonexistent/herald.yml | /nonexistent/herald.yml: no such file",
            "--tls-cert /nonexistent/cert.pem --tls-key /nonexistent/key.pem | --tls-cert: /nonexistent/cert.pem (expected: a readable file; no such file)",
    })
    void aBadOptionStopsWithOneLineNamingItAndExitCode2(String args, String message) {
        StringWriter err = new StringWriter();
        int status = HeraldCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), Map.of(),
                args.trim().split(" "));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("herald: " + message.trim() + System.lineSeparator());
    }

    @Test
    void checkConfigValidatesAndExits(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("good.yml"), "server:\n  port: 9000\n");
        StringWriter out = new StringWriter();
        assertThat(HeraldCommand.run(new PrintWriter(out, true), new PrintWriter(new StringWriter()), Map.of(),
                "--check-config", "--config", good.toString())).isZero();
        assertThat(out.toString()).isEqualTo(good + ": OK" + System.lineSeparator());

        Path bad = Files.writeString(dir.resolve("bad.yml"), "server:\n  port: 9000\nhistory:\n  age: 10 minutes\n");
        StringWriter err = new StringWriter();
        assertThat(HeraldCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), Map.of(),
                "--check-config", "--config", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("herald: " + bad + ":4: history.age: \"10 minutes\" is not a duration (use 10m)"
                + System.lineSeparator());
    }

    @Test
    void printConfigShowsEveryValueWithItsSourceAndTheFlagsWin(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("h.yml"), "server:\n  port: 9000\n  host: 0.0.0.0\n");
        StringWriter out = new StringWriter();
        assertThat(HeraldCommand.run(new PrintWriter(out, true), new PrintWriter(new StringWriter()),
                Map.of("HERALD_TRANSPORTS_HEARTBEAT", "20s"),
                "--print-config", "--config", file.toString(), "--port", "9100", "--no-client-publish")).isZero();
        assertThat(out.toString()).contains("  port: 9100  # --port\n", "  host: 0.0.0.0  # " + file + ":3\n",
                "  heartbeat: 20s  # HERALD_TRANSPORTS_HEARTBEAT\n", "client-publish: false  # --no-client-publish\n",
                "  io-threads: 0  # default\n");
    }
}
