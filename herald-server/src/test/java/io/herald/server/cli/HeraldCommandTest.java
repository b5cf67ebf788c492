package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.core.NamespaceOptions;
import io.herald.server.ServerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
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
}
