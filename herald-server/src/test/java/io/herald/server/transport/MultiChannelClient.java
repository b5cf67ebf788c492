package io.herald.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the multi-channel endpoints (docs/protocol.md, "Several channels on one request") for
 * every HTTP technique, over real sockets (java.net.http), reading the wire strictly: what it does
 * not recognise fails the test. It keeps the cursor the way that technique's clients do: SSE the
 * last {@code id:} field (what a browser sends back as {@code Last-Event-ID}), XHR streaming and the
 * iframe from the envelopes, reset items and start cursor, the polls from {@code next}.
 */
final class MultiChannelClient implements AutoCloseable {
    /** What arrives. */
    sealed interface Item permits Pub, Reset, Start {
    }

    /** A publication: its channel, id and text data. */
    record Pub(String channel, String id, String data) implements Item {
    }

    /** A channel's reset to {@code id}. */
    record Reset(String channel, String id) implements Item {
    }

    /** The start cursor (streams) or a page's {@code next} (polls). */
    record Start(String cursor) implements Item {
    }

    /** The techniques, by path. */
    enum Technique {
        SSE("/sse"), XHR("/stream"), IFRAME("/iframe"), LONGPOLL("/longpoll"), POLL("/poll");

        final String path;

        Technique(String path) {
            this.path = path;
        }
    }

    private static final Pattern SCRIPT = Pattern.compile("<script>parent\\.herald\\((.*)\\)</script>");

    private final TestServer server;
    private final Technique technique;
    private final List<String> channels;
    private final Map<String, String> positions = new LinkedHashMap<>();
    private final Deque<Item> pending = new ArrayDeque<>();
    private String cursor;
    private InputStream body;
    private BufferedReader lines;

    private MultiChannelClient(TestServer server, Technique technique, List<String> channels, String cursor) {
        this.server = server;
        this.technique = technique;
        this.channels = channels;
        this.cursor = cursor;
        for (String c : channels) {
            positions.put(c, "");
        }
        if (cursor != null && !cursor.isEmpty()) {
            String[] entries = cursor.split(",", -1);
            for (int i = 0; i < entries.length && i < channels.size(); i++) {
                positions.put(channels.get(i), entries[i]);
            }
        }
    }

    /** Opens {@code technique} on {@code channels} from {@code cursor} (null: none). A stream's head has arrived. */
    static MultiChannelClient open(TestServer server, Technique technique, List<String> channels, String cursor) {
        MultiChannelClient client = new MultiChannelClient(server, technique, channels, cursor);
        if (technique == Technique.SSE || technique == Technique.XHR || technique == Technique.IFRAME) {
            HttpResponse<InputStream> r = technique == Technique.SSE && cursor != null
                    ? server.stream(query(technique, channels, null), "Last-Event-ID", cursor)
                    : server.stream(query(technique, channels, cursor));
            assertThat(r.statusCode()).as("%s %s", technique, channels).isEqualTo(200);
            client.body = r.body();
            client.lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        }
        return client;
    }

    /** {@code /path?channel=a&channel=b[&since=CURSOR]}. */
    static String query(Technique technique, List<String> channels, String cursor) {
        StringBuilder b = new StringBuilder(technique.path);
        for (int i = 0; i < channels.size(); i++) {
            b.append(i == 0 ? '?' : '&').append("channel=").append(channels.get(i));
        }
        if (cursor != null) {
            b.append("&since=").append(cursor);
        }
        return b.toString();
    }

    /** The cursor to resume from, as this technique's client keeps it. */
    String cursor() {
        if (technique == Technique.SSE) {
            return cursor;
        }
        String joined = String.join(",", positions.values());
        return joined.replace(",", "").isEmpty() ? null : joined;
    }

    /** The next item; null when the stream ended (a goodbye or the end of the response). */
    Item next() throws IOException {
        if (technique == Technique.LONGPOLL || technique == Technique.POLL) {
            while (pending.isEmpty()) {
                poll();
            }
            // What was consumed is where a poll that stops here resumes from.
            Item item = pending.poll();
            if (item instanceof Pub p) {
                positions.put(p.channel(), p.id());
            } else if (item instanceof Reset r) {
                positions.put(r.channel(), r.id());
            } else if (item instanceof Start s) {
                setAll(s.cursor());
            }
            return item;
        }
        return technique == Technique.SSE ? nextEvent() : nextLine();
    }

    /** Reads items until the start cursor; fails on a publication or reset before it when {@code nothingBefore}. */
    String awaitStart() throws IOException {
        for (Item item; (item = next()) != null; ) {
            if (item instanceof Start s) {
                return s.cursor();
            }
            throw new AssertionError("before the start cursor: " + item);
        }
        throw new AssertionError("the stream ended before its start cursor");
    }

    private void poll() throws IOException {
        String path = query(technique, channels, cursor())
                + (technique == Technique.LONGPOLL ? "&timeout=1" : "");
        HttpResponse<String> r = server.get(path);
        assertThat(r.statusCode()).as("%s %s", path, r.body()).isEqualTo(200);
        JsonNode page = TestServer.json(r.body());
        boolean anyReset = false;
        for (JsonNode m : page.get("messages")) {
            if (m.has("reset")) {
                anyReset = true;
                pending.add(new Reset(m.get("channel").asText(), m.get("id").asText()));
            } else {
                pending.add(pub(m));
            }
        }
        assertThat(page.get("reset").asBoolean()).as("top-level reset of %s", r.body()).isEqualTo(anyReset);
        String next = page.get("next").asText();
        pending.add(new Start(next));
        if (technique == Technique.POLL && pending.size() == 1) {
            try {
                Thread.sleep(20); // paces an empty short poll; asserts nothing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Item nextEvent() throws IOException {
        String event = null;
        String data = null;
        boolean id = false;
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (data != null) {
                    JsonNode json = TestServer.json(data);
                    if ("herald-disconnect".equals(event)) {
                        return null;
                    }
                    if ("herald-reset".equals(event)) {
                        return new Reset(json.get("channel").asText(), json.get("id").asText());
                    }
                    assertThat(json.get("event").asText()).isEqualTo(event == null ? "message" : event);
                    assertThat(id).as("a publication carries its id line").isTrue();
                    return pub(json);
                }
                if (id) {
                    return new Start(cursor);
                }
                continue;
            }
            if (line.startsWith(":") || line.startsWith("retry: ")) {
                continue;
            }
            if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                assertThat(data).as("one data line per event").isNull();
                data = line.substring(6);
            } else if (line.startsWith("id: ")) {
                cursor = line.substring(4);
                id = true;
            } else {
                throw new AssertionError("unexpected SSE line " + line);
            }
        }
        return null;
    }

    private Item nextLine() throws IOException {
        for (String line; (line = lines.readLine()) != null; ) {
            String json = line;
            if (technique == Technique.IFRAME) {
                if (line.startsWith("<!DOCTYPE") || line.equals("<!-- -->")) {
                    continue;
                }
                Matcher m = SCRIPT.matcher(line);
                assertThat(m.find()).as("iframe line %s", line).isTrue();
                json = m.group(1);
            } else if (line.isBlank()) {
                continue;
            }
            JsonNode node = TestServer.json(json);
            if (node.has("disconnect")) {
                return null;
            }
            if (node.has("cursor")) {
                String c = node.get("cursor").asText();
                setAll(c);
                return new Start(c);
            }
            if (node.has("reset")) {
                positions.put(node.get("channel").asText(), node.get("id").asText());
                return new Reset(node.get("channel").asText(), node.get("id").asText());
            }
            Pub p = pub(node);
            positions.put(p.channel(), p.id());
            return p;
        }
        return null;
    }

    private void setAll(String c) {
        String[] entries = c.split(",", -1);
        assertThat(entries).as("entries of %s", c).hasSize(channels.size());
        for (int i = 0; i < entries.length; i++) {
            positions.put(channels.get(i), entries[i]);
        }
    }

    private Pub pub(JsonNode envelope) {
        String channel = envelope.get("channel").asText();
        assertThat(channels).as("a channel of the request").contains(channel);
        return new Pub(channel, envelope.get("id").asText(), envelope.get("data").asText());
    }

    @Override
    public void close() throws IOException {
        if (body != null) {
            body.close();
        }
    }
}
