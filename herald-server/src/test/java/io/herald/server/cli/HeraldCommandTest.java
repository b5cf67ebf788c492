package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.server.ServerConfig;
import java.time.Duration;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class HeraldCommandTest {

    private static ServerConfig parse(String... args) {
        HeraldCommand command = new HeraldCommand();
        new CommandLine(command).parseArgs(args);
        return command.config();
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
            "--namespace chat:-1:5m:true | --namespace chat:-1:5m:true: historySize: -1 (expected: >= 0)",
            "--namespace chat:5:soon:true | --namespace chat:5:soon:true: AGE 'soon' (expected: a duration like 500ms, 30s, 10m, 1h)",
            "--namespace chat:5:5m:yes | --namespace chat:5:5m:yes: PUBLISH 'yes' (expected: true or false)",
            "--namespace chat:5m | --namespace chat:5m: expected NAME:SIZE:AGE:PUBLISH, e.g. chat:500:5m:true",
            "--namespace a:b:5:5m:true | --namespace a:b:5:5m:true: expected NAME:SIZE:AGE:PUBLISH, e.g. chat:500:5m:true",
            "--queue-max-bytes 10 | --queue-max-bytes: 10 (expected: >= maxPayloadBytes + 1024 = 66560)",
            "--port 70000 | --port: 70000 (expected: 0..65535)",
            "--port abc | Invalid value for option '--port': 'abc' is not an int",
            "--history-age 10minutes | Invalid value for option '--history-age': '10minutes' (expected: a duration like 500ms, 30s, 10m, 1h)",
    })
    void aBadOptionStopsWithOneLineNamingItAndExitCode2(String args, String message) {
        StringWriter err = new StringWriter();
        int status = HeraldCommand.run(new PrintWriter(err, true), args.trim().split(" "));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("herald: " + message.trim() + " (herald --help lists the options)"
                + System.lineSeparator());
    }
}
