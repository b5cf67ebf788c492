package io.herald.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.core.NamespaceOptions;
import io.herald.server.ListenAddress;
import io.herald.server.ServerConfig;
import io.herald.server.testing.TestCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration file, the environment and flags, merged and validated (docs/configuration.md). */
class ConfigurationTest {
    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path f = dir.resolve("herald.yml");
        Files.writeString(f, yaml, StandardCharsets.UTF_8);
        return f;
    }

    private Configuration load(String yaml, Map<String, String> env, Map<String, Object> flags) throws IOException {
        return Configuration.load(file(yaml), "herald.yml", env, flags, List.of());
    }

    /**
     * The Java API's defaults with the one documented difference (docs/configuration.md, "Admin
     * listener"): the command listens for operators on 127.0.0.1:9090, an embedded server opens no
     * second port unless asked.
     */
    private static ServerConfig commandDefaults() {
        return ServerConfig.builder().adminListen(new ListenAddress("127.0.0.1", 9090)).build();
    }

    @Test
    void theDefaultsAreTheJavaApisDefaults() {
        ServerConfig fromDefaults = Configuration.load(null, null, Map.of(), Map.of(), List.of()).serverConfig();
        assertThat(fromDefaults).isEqualTo(commandDefaults());
        assertThat(ServerConfig.builder().build().adminListen()).as("the Java API's admin listener: off").isNull();
        assertThat(fromDefaults.adminListen()).hasToString("127.0.0.1:9090");
    }

    @Test
    void theFileSetsEveryKeyItNamesAndTheOthersKeepTheirDefaults() throws IOException {
        ServerConfig c = load("""
                server:
                  host: 0.0.0.0
                  port: 9000
                history:
                  age: 30m
                limits:
                  max-payload: 1024
                  queue-max-bytes: 4096
                transports:
                  heartbeat: 5s
                namespaces:
                  chat:
                    history-size: 50
                  ro.feeds:
                    client-publish: false
                """, Map.of(), Map.of()).serverConfig();
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.ioThreads()).isZero();
        assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.node().maxPayloadBytes()).isEqualTo(1024);
        assertThat(c.node().queueMaxBytes()).isEqualTo(4096);
        assertThat(c.node().defaultNamespace().historyAge()).isEqualTo(Duration.ofMinutes(30));
        // a namespace takes what it leaves out from the defaults
        NamespaceOptions chat = c.node().optionsOf("chat:room");
        assertThat(chat.historySize()).isEqualTo(50);
        assertThat(chat.historyAge()).isEqualTo(Duration.ofMinutes(30));
        assertThat(chat.allowClientPublish()).isTrue();
        NamespaceOptions feeds = c.node().optionsOf("ro.feeds:x");
        assertThat(feeds.allowClientPublish()).isFalse();
        assertThat(feeds.historySize()).isEqualTo(1000);
    }

    @Test
    void aSentinelAddressSplitAtItsCommasInTheFileOrTheEnvironmentIsJoinedAgain() throws IOException {
        String sentinels = "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/?sentinelMasterId=mymaster";
        ServerConfig fromFile = load("broker:\n  type: redis\n  redis:\n    addresses:\n      - redis-sentinel://127.0.0.1:26379\n"
                + "      - 127.0.0.1:26380/?sentinelMasterId=mymaster\n", Map.of(), Map.of()).serverConfig();
        assertThat(fromFile.broker().redis().address()).isEqualTo(sentinels);
        ServerConfig fromEnv = load("broker:\n  type: redis\n", Map.of("HERALD_BROKER_REDIS_ADDRESSES", sentinels), Map.of()).serverConfig();
        assertThat(fromEnv.broker().redisAddresses()).containsExactly(sentinels);
        assertThat(fromEnv.broker().redis().address()).isEqualTo(sentinels);
        assertThatThrownBy(() -> load("broker:\n  type: redis\n  redis:\n    addresses: [\"redis-sentinel://127.0.0.1:26379\"]\n",
                Map.of(), Map.of()).serverConfig())
                .hasMessage("herald.yml:4: broker.redis.addresses: \"redis-sentinel://127.0.0.1:26379\" (expected: "
                        + "redis-sentinel://HOST:PORT[,HOST:PORT...]/?sentinelMasterId=NAME)");
    }

    @Test
    void presenceAndJoinLeaveAreSetByDefaultAndPerNamespace() throws IOException {
        ServerConfig c = load("presence: true\nnamespaces:\n  chat:\n    join-leave: true\n  feed:\n    presence: false\n",
                Map.of("HERALD_JOIN_LEAVE", "false"), Map.of()).serverConfig();
        assertThat(c.node().defaultNamespace().presence()).isTrue();
        assertThat(c.node().defaultNamespace().joinLeave()).isFalse();
        NamespaceOptions chat = c.node().optionsOf("chat:room");
        assertThat(chat.presence()).as("taken from the default").isTrue();
        assertThat(chat.joinLeave()).isTrue();
        assertThat(c.node().optionsOf("feed:x").presence()).isFalse();
        assertThat(ServerConfig.builder().build().node().defaultNamespace().presence()).as("off by default").isFalse();
    }

    @Test
    void theWriteDelayIsSetByDefaultAndPerNamespaceAndDelayCoalesceIsItsOldName() throws IOException {
        ServerConfig c = load("write-delay: 5ms\nnamespaces:\n  fast:\n    write-delay: 0\n  slow:\n    write-delay: 50ms\n"
                + "  plain:\n    history-size: 3\n", Map.of(), Map.of()).serverConfig();
        assertThat(c.node().defaultNamespace().writeDelay()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.node().optionsOf("fast:a").writeDelay()).isZero();
        assertThat(c.node().optionsOf("slow:a").writeDelay()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.node().optionsOf("plain:a").writeDelay()).as("taken from the default").isEqualTo(Duration.ofMillis(5));
        assertThat(ServerConfig.builder().build().node().defaultNamespace().writeDelay()).isEqualTo(Duration.ofMillis(20));

        // the old key, in the file and in the environment, is the default namespace's write-delay
        Configuration old = load("delivery:\n  coalesce: 0\nnamespaces:\n  chat:\n    history-size: 3\n", Map.of(), Map.of());
        assertThat(old.serverConfig().node().optionsOf("chat:a").writeDelay()).isZero();
        assertThat(old.sourceOf("write-delay")).hasToString("herald.yml:2");
        Configuration fromEnv = load("demo: false\n", Map.of("HERALD_DELIVERY_COALESCE", "7ms"), Map.of());
        assertThat(fromEnv.serverConfig().node().defaultNamespace().writeDelay()).isEqualTo(Duration.ofMillis(7));
        assertThat(fromEnv.sourceOf("write-delay")).isEqualTo(Source.env("HERALD_DELIVERY_COALESCE"));
        assertThat(load("write-delay: 3ms\n", Map.of("HERALD_DELIVERY_COALESCE", "7ms"), Map.of()).get("write-delay"))
                .as("the environment overrides the file, under either name").isEqualTo(Duration.ofMillis(7));

        // both names in one place, or a value out of range: one line naming the key
        assertThatThrownBy(() -> load("write-delay: 1ms\ndelivery:\n  coalesce: 0\n", Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("herald.yml:3: delivery.coalesce: the old name of write-delay, which the file also sets: keep only write-delay");
        assertThatThrownBy(() -> load("demo: false\n", Map.of("HERALD_DELIVERY_COALESCE", "0", "HERALD_WRITE_DELAY", "1ms"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("HERALD_DELIVERY_COALESCE: the old name of HERALD_WRITE_DELAY, which is also set: keep only HERALD_WRITE_DELAY");
        assertThatThrownBy(() -> load("write-delay: 2s\n", Map.of(), Map.of()).serverConfig())
                .isInstanceOf(ConfigException.class).hasMessage("herald.yml:1: write-delay: PT2S (expected: 0 to 1 s)");
        assertThatThrownBy(() -> load("namespaces:\n  chat:\n    write-delay: -1ms\n", Map.of(), Map.of()).serverConfig())
                .isInstanceOf(ConfigException.class)
                .hasMessage("herald.yml:3: namespaces.chat.write-delay: PT-0.001S (expected: 0 to 1 s)");
    }

    @Test
    void theEnvironmentOverridesTheFileAndFlagsOverrideBoth() throws IOException {
        String yaml = "server:\n  port: 9000\n  host: 10.0.0.1\nhistory:\n  size: 10\n";
        Configuration c = load(yaml, Map.of("HERALD_SERVER_PORT", "9100", "HERALD_HISTORY_SIZE", "20",
                "HERALD_JAVA_OPTS", "-Xmx1g"), Map.of("server.port", 9200));
        assertThat(c.get("server.port")).isEqualTo(9200);
        assertThat(c.sourceOf("server.port")).isEqualTo(Source.flag("--port"));
        assertThat(c.get("history.size")).isEqualTo(20);
        assertThat(c.sourceOf("history.size")).isEqualTo(Source.env("HERALD_HISTORY_SIZE"));
        assertThat(c.get("server.host")).isEqualTo("10.0.0.1");
        assertThat(c.sourceOf("server.host")).isEqualTo(Source.file("herald.yml", 3));
        assertThat(c.sourceOf("server.io-threads")).isEqualTo(Source.DEFAULT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "history:\\n  age: 10 minutes | herald.yml:2: history.age: \"10 minutes\" is not a duration (use 10m)",
            "server:\\n  prot: 80 | herald.yml:2: server.prot: unknown key (server has: host, io-threads, io-transport, port)",
            "srever:\\n  port: 80 | herald.yml:2: srever.port: unknown key (keys: admin, api-keys, auth, broker, client-publish, conflation, conformance, cors, delivery, demo, h2c, history, http2, join-leave, limits, logging, namespaces, permissions, presence, server, shutdown, sockjs, tls, transports, write-delay)",
            "server: 8080 | herald.yml:1: server: a section (server.*), not a value",
            "server:\\n  port: abc | herald.yml:2: server.port: \"abc\" is not a whole number (at most 2147483647)",
            "server:\\n  port: 70000 | herald.yml:2: server.port: 70000 (expected: 0..65535)",
            "server:\\n  port: | herald.yml:2: server.port: no value (remove the key to keep the default)",
            "demo: yes please | herald.yml:1: demo: \"yes please\" is not true or false",
            "history:\\n  size: -1 | herald.yml:2: history.size: -1 (expected: >= 0)",
            "limits:\\n  max-payload: 2000000 | default: limits.queue-max-bytes: 1048576 (expected: >= maxPayloadBytes + 1024 = 2001024)",
            "namespaces:\\n  chat:\\n    history-size: -5 | herald.yml:3: namespaces.chat.history-size: -5 (expected: >= 0)",
            "namespaces:\\n  chat:\\n    size: 5 | herald.yml:3: namespaces.chat.size: unknown key (a namespace has: client-publish, conflation, history, history-age, history-size, join-leave, presence, publish, subscribe, write-delay)",
            "namespaces:\\n  'bad name':\\n    history-size: 5 | herald.yml:3: namespaces.bad name: 'bad name' (expected: a channel-name prefix without ':')",
            "server:\\n  port: 1\\n  port: 2 | herald.yml:3: Duplicate field 'port'",
            "server:\\n  - 1 | herald.yml:1: server: a list is not a value of any setting",
            "- server | herald.yml:1: the file must be a mapping of keys (e.g. server:), not a list",
            "admin:\\n  listen: localhost | herald.yml:2: admin.listen: \"localhost\" is not HOST:PORT or off (e.g. 127.0.0.1:9090; port 0..65535)",
            "admin:\\n  listen: 127.0.0.1:99999 | herald.yml:2: admin.listen: \"127.0.0.1:99999\" is not HOST:PORT or off (e.g. 127.0.0.1:9090; port 0..65535)",
            "admin:\\n  listen: ::1:9090 | herald.yml:2: admin.listen: \"::1:9090\" is not HOST:PORT or off (e.g. 127.0.0.1:9090; port 0..65535)",
            "admin:\\n  listen: 0.0.0.0:8080 | herald.yml:2: admin.listen: 0.0.0.0:8080 (expected: a port other than the public port 8080)",
            "server:\\n  port: 9090 | default: admin.listen: 127.0.0.1:9090 (expected: a port other than the public port 9090)",
            "admin:\\n  listen: off\\n  disconnect-switch: true | herald.yml:3: admin.disconnect-switch: true (expected: false while adminListen is off: POST /admin/disconnect is served by the admin listener)",
            "shutdown:\\n  spread: -1s | herald.yml:2: shutdown.spread: PT-1S (expected: >= 0)",
            "logging:\\n  format: yaml | herald.yml:2: logging.format: yaml (expected: text or json)",
            "logging:\\n  access-log: on | herald.yml:2: logging.access-log: \"on\" is not true or false",
            "broker:\\n  redis:\\n    presence-ttl: 100ms | herald.yml:3: broker.redis.presence-ttl: PT0.1S (expected: >= 300 ms)",
            "broker:\\n  type: kafka | herald.yml:2: broker.type: kafka (expected: memory, redis or redis-cluster)",
            "broker:\\n  type: redis-cluster | default: broker.redis.addresses: [] (expected: one or more seed node URIs such as redis://127.0.0.1:7001 when broker.type is redis-cluster)",
            "broker:\\n  type: redis-cluster\\n  redis:\\n    addresses: [redis://a:1, b:2] | herald.yml:4: broker.redis.addresses: b:2 (expected: a Redis URI starting redis:// or rediss://)",
            "broker:\\n  type: redis | default: broker.redis.addresses: [] (expected: one Redis URI such as redis://127.0.0.1:6379 when broker.type is redis)",
            "broker:\\n  redis:\\n    addresses: [127.0.0.1:6379] | herald.yml:3: broker.redis.addresses: 127.0.0.1:6379 (expected: a Redis URI starting redis:// or rediss://)",
            "broker:\\n  redis:\\n    prefix: 'a b' | herald.yml:3: broker.redis.prefix: \"a b\" (expected: 1 to 64 of A-Z a-z 0-9 _ . : -)",
            "broker:\\n  redis:\\n    timeout: 0s | herald.yml:3: broker.redis.timeout: PT0S (expected: > 0)",
            "sockjs:\\n  client-url: ftp://cdn.example/sockjs.js | herald.yml:2: sockjs.client-url: ftp://cdn.example/sockjs.js (expected: an http(s) URL or a path beginning with /, without spaces, quotes or angle brackets)",
    })
    void aBadFileStopsWithOneLineNamingTheFileLineAndKey(String yaml, String message) throws IOException {
        String text = yaml.replace("\\n", "\n");
        assertThatThrownBy(() -> load(text, Map.of(), Map.of()).serverConfig())
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .hasNoCause();
    }

    @Test
    void theAdminListenerIsOffOrAnAddressAndPrintsBackAsItLoads() throws IOException {
        Configuration off = Configuration.load(null, null, Map.of("HERALD_ADMIN_LISTEN", "off"), Map.of(), List.of());
        assertThat(off.serverConfig().adminListen()).isNull();
        assertThat(off.print()).contains("  listen: off  # HERALD_ADMIN_LISTEN\n");
        Configuration v6 = load("admin:\n  listen: \"[::1]:0\"\n  metrics-on-public-port: true\nshutdown:\n  drain: 0\n  spread: 1500ms\n",
                Map.of(), Map.of());
        ServerConfig c = v6.serverConfig();
        assertThat(c.adminListen()).isEqualTo(new ListenAddress("::1", 0));
        assertThat(c.metricsOnPublicPort()).isTrue();
        assertThat(c.shutdownDrain()).isZero();
        assertThat(c.shutdownSpread()).isEqualTo(Duration.ofMillis(1500));
        assertThat(v6.print()).contains("  listen: \"[::1]:0\"  # herald.yml:2\n", "  spread: 1500ms  # herald.yml:6\n");
        for (Configuration config : List.of(off, v6)) {
            Configuration back = Configuration.load(file(config.print()), "printed.yml", Map.of(), Map.of(), List.of());
            assertThat(back.serverConfig()).isEqualTo(config.serverConfig());
        }
    }

    @Test
    void aBadEnvironmentVariableIsNamed() {
        assertThatThrownBy(() -> Configuration.load(null, null, Map.of("HERALD_TRANSPORTS_HEARTBEAT", "soon"), Map.of(), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("HERALD_TRANSPORTS_HEARTBEAT: \"soon\" is not a duration (use 10m)");
        assertThatThrownBy(() -> Configuration.load(null, null, Map.of("HERALD_SERVER_PORT", "-3"), Map.of(), List.of())
                .serverConfig())
                .hasMessage("HERALD_SERVER_PORT: server.port: -3 (expected: 0..65535)");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> Configuration.load(dir.resolve("nope.yml"), "conf/nope.yml", Map.of(), Map.of(), List.of()))
                .hasMessage("conf/nope.yml: no such file");
    }

    @Test
    void anEmptyFileKeepsEveryDefault() throws IOException {
        assertThat(load("", Map.of(), Map.of()).serverConfig()).isEqualTo(commandDefaults());
        assertThat(load("# only a comment\n", Map.of(), Map.of()).serverConfig()).isEqualTo(commandDefaults());
    }

    @Test
    void aNamespaceFlagReplacesTheFilesNamespaceOfTheSameName() throws IOException {
        Configuration c = Configuration.load(file("namespaces:\n  chat:\n    history-size: 5\n    client-publish: false\n"),
                "herald.yml", Map.of(), Map.of(), List.of("chat:7:1m:true"));
        NamespaceOptions chat = c.serverConfig().node().optionsOf("chat:a");
        assertThat(chat.historySize()).isEqualTo(7);
        assertThat(chat.historyAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(chat.allowClientPublish()).isTrue();
    }

    @Test
    void theDemoNamespaceKeepsADayUnlessConfigured() throws IOException {
        assertThat(load("demo: true\n", Map.of(), Map.of()).serverConfig().node().optionsOf("demo:clock").historyAge())
                .isEqualTo(Duration.ofDays(1));
        assertThat(load("demo: true\nnamespaces:\n  demo:\n    history-age: 1m\n", Map.of(), Map.of())
                .serverConfig().node().optionsOf("demo:clock").historyAge()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void presenceAndTheDemosPresenceWorkOnARedisCluster() throws IOException {
        String cluster = "broker:\n  type: redis-cluster\n  redis:\n    addresses: [redis://127.0.0.1:7001]\n";
        NamespaceOptions lobby = load(cluster + "presence: true\njoin-leave: true\n", Map.of(), Map.of())
                .serverConfig().node().optionsOf("lobby");
        assertThat(lobby.presence()).isTrue();
        assertThat(lobby.joinLeave()).isTrue();
        NamespaceOptions chat = load(cluster + "demo: true\n", Map.of(), Map.of()).serverConfig().node().optionsOf("demo:chat");
        assertThat(chat.presence()).as("the demo chat's Here now").isTrue();
        assertThat(chat.joinLeave()).isTrue();
    }

    @Test
    void printedConfigurationShowsSourcesAndLoadsBackToTheSameConfiguration() throws IOException {
        Configuration c = load("server:\n  port: 9000\ntransports:\n  heartbeat: 90s\nnamespaces:\n  chat:\n    history-age: 5m\n",
                Map.of("HERALD_LIMITS_MAX_PAYLOAD", "1000"), Map.of("server.host", "0.0.0.0"));
        String printed = c.print();
        assertThat(printed).contains("  port: 9000  # herald.yml:2\n", "  host: 0.0.0.0  # --host\n",
                "  max-payload: 1000  # HERALD_LIMITS_MAX_PAYLOAD\n", "  heartbeat: 90s  # herald.yml:4\n",
                "  io-threads: 0  # default\n", "  chat:\n    history-age: 5m  # herald.yml:7\n");
        Configuration back = Configuration.load(file(printed), "printed.yml", Map.of(), Map.of(), List.of());
        assertThat(back.serverConfig()).isEqualTo(c.serverConfig());
    }

    @Test
    void everySettingHasAnEnvironmentVariableDerivedFromItsKey() {
        assertThat(Settings.byKey("server.port").env()).isEqualTo("HERALD_SERVER_PORT");
        assertThat(Settings.byKey("limits.queue-max-bytes").env()).isEqualTo("HERALD_LIMITS_QUEUE_MAX_BYTES");
        for (Setting s : Settings.ALL) {
            assertThat(Settings.byKey(s.key())).isSameAs(s);
            assertThat(s.type().parse(s.type().format(s.defaultValue()))).as(s.key()).isEqualTo(s.defaultValue());
        }
    }

    @Test
    void theExampleFileAtTheRepositoryRootLoadsAndSetsEverySetting() throws IOException {
        Path example = Path.of("..", "herald.example.yml");
        assertThat(example).isRegularFile();
        Configuration c = Configuration.load(example, "herald.example.yml", Map.of(), Map.of(), List.of());
        c.serverConfig();
        for (Setting s : Settings.ALL) {
            assertThat(c.sourceOf(s.key()).kind()).as("%s is in herald.example.yml", s.key()).isEqualTo(Source.Kind.FILE);
        }
        assertThat(c.print()).contains("namespaces:\n  chat:\n");
    }

    @Test
    void aCertificateOrKeyThatCannotBeReadOrUsedStopsWithOneLineNamingTheKeyAndTheFile() throws IOException {
        TestCertificate cert = TestCertificate.create(dir);
        TestCertificate other = TestCertificate.create(dir, "other.pem", "other-key.pem");
        Path missing = dir.resolve("missing.pem");
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.pem"),
                "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        String c = cert.certFile().toString();
        String k = cert.keyFile().toString();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("tls:\n  cert: " + missing + "\n  key: " + k,
                "herald.yml:2: tls.cert: " + missing + " (expected: a readable file; no such file)");
        cases.put("tls:\n  cert: " + dir + "\n  key: " + k,
                "herald.yml:2: tls.cert: " + dir + " (expected: a readable file; not a regular file)");
        cases.put("tls:\n  cert: " + c + "\n  key: " + missing,
                "herald.yml:3: tls.key: " + missing + " (expected: a readable file; no such file)");
        cases.put("tls:\n  cert: " + c, "default: tls.key: null (expected: a PKCS#8 PEM file when tlsCert is set)");
        cases.put("tls:\n  cert: " + c + "\n  key: " + pkcs1, "herald.yml:3: tls.key: " + pkcs1 + " (expected: an unencrypted"
                + " PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----); found a PKCS#1 or SEC1 key; convert it with openssl pkcs8 -topk8 -nocrypt)");
        cases.put("tls:\n  cert: " + c + "\n  key: " + other.keyFile(), "herald.yml:3: tls.key: " + other.keyFile()
                + " (expected: the private key of the first certificate of tlsCert " + c + "; this key does not match it)");
        cases.put("http2: false\nh2c: true", "herald.yml:2: h2c: true (expected: false when http2 is false)");
        cases.forEach((yaml, message) -> assertThatThrownBy(() -> load(yaml + "\n", Map.of(), Map.of()).serverConfig())
                .as(yaml).isInstanceOf(ConfigException.class).hasMessage(message).hasNoCause());
        assertThatThrownBy(() -> load("tls:\n  cert: " + garbage + "\n  key: " + k + "\n", Map.of(), Map.of()).serverConfig())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("herald.yml:2: tls.cert: " + garbage + " (expected: PEM certificates (-----BEGIN CERTIFICATE-----); ");
        assertThatThrownBy(() -> Configuration.load(null, null, Map.of("HERALD_TLS_CERT", c, "HERALD_TLS_KEY", missing.toString()),
                Map.of(), List.of()).serverConfig())
                .hasMessage("HERALD_TLS_KEY: tls.key: " + missing + " (expected: a readable file; no such file)");

        ServerConfig good = load("tls:\n  cert: " + c + "\n  key: " + k + "\n", Map.of(), Map.of()).serverConfig();
        assertThat(good.tls()).isTrue();
        assertThat(good.tlsCert()).isEqualTo(cert.certFile());
        assertThat(good.http2()).isTrue();
        assertThat(good.h2c()).isFalse();
        Configuration printed = load("tls:\n  cert: " + c + "\n  key: " + k + "\n", Map.of(), Map.of());
        assertThat(Configuration.load(file(printed.print()), "printed.yml", Map.of(), Map.of(), List.of()).serverConfig())
                .isEqualTo(good);
    }
}
