package io.herald.bench;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one run of the load generator does. Immutable; build with {@link #builder()}, which
 * validates every field and names the rule a bad value breaks.
 *
 * @param label               the server's name in the report, e.g. {@code herald} or {@code nchan}
 * @param mode                {@link Mode#LOAD} (publish and measure) or {@link Mode#IDLE} (memory per idle connection)
 * @param transport           how subscribers connect
 * @param subscribeUrl        the subscriber URL template
 * @param publishUrl          the publish URL template ({@code POST}, body = payload)
 * @param channel             the channel every subscriber subscribes to and the publisher publishes to
 * @param subscribers         connections to open (the target count in idle mode)
 * @param rate                offered publications per second (all publisher connections together), {@code > 0}
 * @param payloadBytes        the payload size in bytes ({@link BenchPayload#MIN_BYTES} .. 65536)
 * @param warmup              publishing before the measured window
 * @param duration            the measured window
 * @param serverPid           the server's process id for CPU and memory readings, or 0 for none
 * @param sourceIps           how many source addresses {@code 127.0.0.2 ..} connections are spread over (1..253)
 * @param threads             client event-loop threads for the subscribers
 * @param batchSize           connections opened at once while ramping
 * @param connectTimeout      how long a batch of connections may take to be subscribed
 * @param settle              the pause between the last subscription and the first publication
 * @param drain               how long to wait after the last publication for deliveries to finish
 * @param publishConnections  keep-alive publisher connections; each publishes its own sequence in order
 * @param idleStep            the step of idle mode in connections (RSS is read after each)
 * @param longPollTimeout     the {@code timeout} parameter of long polls
 * @param publishFormat       the body of a publish request: the payload as is, or wrapped for a GRIP control API
 * @param hold                idle mode: how long to keep the connections open after the last step (for outside
 *                            measurements such as a heap histogram), 0 for none
 * @param headers             extra request headers of every subscriber, {@code "Name: value"} (e.g. a bearer
 *                            token when the server's access control is on)
 * @param publishHeaders      extra request headers of every publish request (e.g. {@code X-API-Key: ...})
 * @param watchPids           more processes (e.g. the other nodes of a cluster, its Redis) whose CPU in the
 *                            window is reported, each with its descendants; empty for none
 * @param alsoSubscribeUrls   more subscriber URL templates (other nodes of a cluster): connection {@code i}
 *                            goes to {@code subscribeUrl} when {@code i % (1 + n) == 0}, else to entry
 *                            {@code i % (1 + n) - 1}; empty for one server
 * @param resume              SSE subscribers reconnect with their last event id when the server ends
 *                            their connection (e.g. {@code 4001} after a Redis restart) or it drops, and
 *                            what a reset skipped is reported apart from loss ({@code --resume})
 * @param syscalls            whether to count the server's system calls in the window with perf
 *                            ({@link SyscallCounter}; {@code --syscalls})
 */
public record BenchConfig(String label, Mode mode, Transport transport, UrlTemplate subscribeUrl,
                          UrlTemplate publishUrl, String channel, int subscribers, double rate, int payloadBytes,
                          Duration warmup, Duration duration, long serverPid, int sourceIps, int threads,
                          int batchSize, Duration connectTimeout, Duration settle, Duration drain,
                          int publishConnections, int idleStep, Duration longPollTimeout,
                          PublishFormat publishFormat, Duration hold, List<String> headers,
                          List<String> publishHeaders, List<Long> watchPids, List<UrlTemplate> alsoSubscribeUrls,
                          boolean resume, SyscallCounter.Mode syscalls) {

    /** Adds {@code "Name: value"} headers to {@code target}. */
    static void addHeaders(io.netty.handler.codec.http.HttpHeaders target, List<String> headers) {
        for (String h : headers) {
            int colon = h.indexOf(':');
            target.add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
    }

    private static List<String> checkHeaders(String name, List<String> headers) {
        for (String h : headers) {
            if (h.indexOf(':') <= 0) {
                throw new IllegalArgumentException(name + ": " + h + " (expected: Name: value)");
            }
        }
        return List.copyOf(headers);
    }

    /** What a run measures. */
    public enum Mode {
        /** Subscribers, a publisher at a fixed rate, a measured window. */
        LOAD,
        /** Connections only, opened in steps, with the server's RSS after each step. */
        IDLE
    }

    /** How a publication is put in the body of the publish request. */
    public enum PublishFormat {
        /** The payload is the body ({@code text/plain}): Herald's {@code POST /pub/{channel}}, Nchan's publisher. */
        RAW,
        /**
         * A GRIP publish request ({@code application/json}) as Pushpin's control API
         * {@code POST /publish/} takes it: one item on the channel with an {@code http-stream} format
         * (an SSE {@code event: message}) and a {@code ws-message} format (the payload as a text frame).
         */
        GRIP
    }

    /** Validates every field; see the record description for the rules. */
    public BenchConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(subscribeUrl, "subscribeUrl");
        Objects.requireNonNull(publishUrl, "publishUrl");
        check("label", label, label != null && !label.isBlank() && label.length() <= 64, "1..64 characters");
        UrlTemplate.checkChannel(channel);
        check("subscribers", subscribers, subscribers > 0 && subscribers <= 1_000_000, "1..1000000");
        check("rate", rate, rate > 0 && rate <= 1_000_000, "> 0 and <= 1000000 publications/s");
        check("payloadBytes", payloadBytes, payloadBytes >= BenchPayload.MIN_BYTES && payloadBytes <= 65536,
                BenchPayload.MIN_BYTES + "..65536");
        nonNegative("warmup", warmup);
        positive("duration", duration);
        check("serverPid", serverPid, serverPid >= 0, ">= 0 (0 for none)");
        check("sourceIps", sourceIps, sourceIps >= 1 && sourceIps <= 253, "1..253 (127.0.0.2 .. 127.0.0.254)");
        check("threads", threads, threads >= 1 && threads <= 64, "1..64");
        check("batchSize", batchSize, batchSize >= 1 && batchSize <= 10_000, "1..10000");
        positive("connectTimeout", connectTimeout);
        nonNegative("settle", settle);
        nonNegative("drain", drain);
        check("publishConnections", publishConnections, publishConnections >= 1 && publishConnections <= 64, "1..64");
        check("idleStep", idleStep, idleStep >= 1, ">= 1");
        positive("longPollTimeout", longPollTimeout);
        Objects.requireNonNull(publishFormat, "publishFormat");
        nonNegative("hold", hold);
        headers = checkHeaders("headers", headers);
        publishHeaders = checkHeaders("publishHeaders", publishHeaders);
        watchPids = List.copyOf(watchPids);
        watchPids.forEach(p -> check("watchPids", p, p > 0, "> 0"));
        alsoSubscribeUrls = List.copyOf(alsoSubscribeUrls);
        check("resume", resume, !resume || transport == Transport.SSE, "only with --transport sse");
        Objects.requireNonNull(syscalls, "syscalls");
    }

    /** Every subscriber URL template, {@code subscribeUrl} first, separated by spaces (for reports). */
    public String subscribeUrlsText() {
        StringBuilder b = new StringBuilder(subscribeUrl.toString());
        alsoSubscribeUrls.forEach(u -> b.append(' ').append(u));
        return b.toString();
    }

    /** The subscriber URL template of connection {@code index} (0-based), spread over every subscriber URL. */
    public UrlTemplate subscribeUrl(long index) {
        int k = (int) (index % (1 + alsoSubscribeUrls.size()));
        return k == 0 ? subscribeUrl : alsoSubscribeUrls.get(k - 1);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        check(name, d, !d.isNegative() && !d.isZero(), "> 0");
    }

    private static void nonNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        check(name, d, !d.isNegative(), ">= 0");
    }

    private static void check(String name, Object value, boolean ok, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
        }
    }

    /** A builder with the defaults (Herald on {@code 127.0.0.1:8080}, SSE, 1,000 subscribers at 100/s). */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link BenchConfig}; not thread-safe. */
    public static final class Builder {
        private String label = "herald";
        private Mode mode = Mode.LOAD;
        private Transport transport = Transport.SSE;
        private String url = "http://127.0.0.1:8080";
        private List<String> alsoUrls = List.of();
        private List<Long> watchPids = List.of();
        private String publishUrl;
        private String channel = "bench";
        private int subscribers = 1000;
        private double rate = 100;
        private int payloadBytes = 64;
        private Duration warmup = Duration.ofSeconds(5);
        private Duration duration = Duration.ofSeconds(20);
        private long serverPid;
        private int sourceIps = 4;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int batchSize = 500;
        private Duration connectTimeout = Duration.ofSeconds(15);
        private Duration settle = Duration.ofSeconds(1);
        private Duration drain = Duration.ofSeconds(5);
        private int publishConnections = 16;
        private int idleStep = 1000;
        private Duration longPollTimeout = Duration.ofSeconds(20);
        private PublishFormat publishFormat = PublishFormat.RAW;
        private Duration hold = Duration.ZERO;
        private List<String> headers = List.of();
        private List<String> publishHeaders = List.of();
        private boolean resume;
        private SyscallCounter.Mode syscalls = SyscallCounter.Mode.AUTO;

        /** The server name in the report; default {@code herald}. */
        public Builder label(String label) {
            this.label = label;
            return this;
        }

        /** Load or idle; default load. */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** How subscribers connect; default SSE. */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** The subscriber URL: a template with {@code {channel}}, or a base such as {@code http://127.0.0.1:8080}. */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        /**
         * The publish URL template; by default {@code /pub/{channel}} on the subscriber URL's server.
         * With {@link PublishFormat#GRIP} it is taken as it is (the channel is in the body).
         */
        public Builder publishUrl(String publishUrl) {
            this.publishUrl = publishUrl;
            return this;
        }

        /** The channel name; default {@code bench}. */
        public Builder channel(String channel) {
            this.channel = channel;
            return this;
        }

        /** Connections to open; default 1,000. */
        public Builder subscribers(int subscribers) {
            this.subscribers = subscribers;
            return this;
        }

        /** Offered publications per second over all publisher connections; default 100. */
        public Builder rate(double rate) {
            this.rate = rate;
            return this;
        }

        /** Payload size in bytes; default 64. */
        public Builder payloadBytes(int payloadBytes) {
            this.payloadBytes = payloadBytes;
            return this;
        }

        /** Publishing before the measured window; default 5 s. */
        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        /** The measured window; default 20 s. */
        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        /** The server process to read from {@code /proc}; default 0 (none). */
        public Builder serverPid(long serverPid) {
            this.serverPid = serverPid;
            return this;
        }

        /** Source addresses {@code 127.0.0.2 ..} to spread connections over; default 4. */
        public Builder sourceIps(int sourceIps) {
            this.sourceIps = sourceIps;
            return this;
        }

        /** Subscriber event-loop threads; default one per available processor. */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Connections opened at once while ramping; default 500. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** How long a batch may take to subscribe; default 15 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Pause after the ramp (load) or after each step (idle); default 1 s. */
        public Builder settle(Duration settle) {
            this.settle = settle;
            return this;
        }

        /** Longest wait for deliveries after the last publication; default 5 s. */
        public Builder drain(Duration drain) {
            this.drain = drain;
            return this;
        }

        /**
         * Keep-alive publisher connections, each an ordered stream that waits for its answer before
         * the next publication; default 16 (4 fell behind a server answering in more than
         * 4 / rate seconds).
         */
        public Builder publishConnections(int publishConnections) {
            this.publishConnections = publishConnections;
            return this;
        }

        /** Idle mode: connections per step; default 1,000. */
        public Builder idleStep(int idleStep) {
            this.idleStep = idleStep;
            return this;
        }

        /** The {@code timeout} of long polls; default 20 s. */
        public Builder longPollTimeout(Duration longPollTimeout) {
            this.longPollTimeout = longPollTimeout;
            return this;
        }

        /** The publish request body; default {@link PublishFormat#RAW}. */
        public Builder publishFormat(PublishFormat publishFormat) {
            this.publishFormat = publishFormat;
            return this;
        }

        /** Idle mode: keep the connections open this long after the last step; default 0. */
        public Builder hold(Duration hold) {
            this.hold = hold;
            return this;
        }

        /** Sets {@link BenchConfig#headers()}. */
        public Builder headers(List<String> headers) {
            this.headers = headers;
            return this;
        }

        /** Sets {@link BenchConfig#watchPids()}. */
        public Builder watchPids(List<Long> watchPids) {
            this.watchPids = watchPids;
            return this;
        }

        /** Sets {@link BenchConfig#alsoSubscribeUrls()} (URL templates or base URLs, as {@link #url}). */
        public Builder alsoUrls(List<String> alsoUrls) {
            this.alsoUrls = alsoUrls;
            return this;
        }

        /** Sets {@link BenchConfig#publishHeaders()}. */
        public Builder publishHeaders(List<String> publishHeaders) {
            this.publishHeaders = publishHeaders;
            return this;
        }

        /** Sets {@link BenchConfig#resume()}: subscribers reconnect with their last event id (SSE only). */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** Sets {@link BenchConfig#syscalls()}; default {@link SyscallCounter.Mode#AUTO}. */
        public Builder syscalls(SyscallCounter.Mode syscalls) {
            this.syscalls = syscalls;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, its value and the rule */
        public BenchConfig build() {
            Objects.requireNonNull(transport, "transport");
            UrlTemplate subscribe = UrlTemplate.parse(url, transport.defaultPath());
            UrlTemplate publish = publishUrl != null
                    ? UrlTemplate.parse(publishUrl, publishFormat == PublishFormat.GRIP ? null : "/pub/{channel}")
                    : UrlTemplate.parse("http://" + subscribe.hostHeader(), "/pub/{channel}");
            return new BenchConfig(label, mode, transport, subscribe, publish, channel, subscribers, rate,
                    payloadBytes, warmup, duration, serverPid, sourceIps, threads, batchSize, connectTimeout,
                    settle, drain, publishConnections, idleStep, longPollTimeout, publishFormat, hold, headers,
                    publishHeaders, watchPids, alsoUrls.stream().map(u -> UrlTemplate.parse(u, transport.defaultPath())).toList(),
                    resume, syscalls);
        }
    }
}
