package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.ServerConfig;
import io.herald.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A transport that streams one line per signal after a padded prelude line, XHR streaming's or the
 * forever iframe's: {@code GET ROUTE/{channel}?since=}, read on a {@link ReaderThreadSubscription}.
 * Its servers use a padding of its own, which the prelude must hold exactly (so the padding option
 * is checked too).
 */
abstract class LineStreamClient implements TransportClient {
    private final String name;
    private final String route;
    private final int padding;

    /**
     * @param name    the transport's name
     * @param route   the path before {@code /{channel}}, e.g. {@code /stream}
     * @param padding the padding its servers use, in bytes
     */
    LineStreamClient(String name, String route, int padding) {
        this.name = name;
        this.route = route;
        this.padding = padding;
    }

    /** The first line, for a padding of {@code padding} bytes. */
    abstract String prelude(int padding);

    /** What one further line is. */
    abstract Signal signal(String line, String channel);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void configure(ServerConfig.Builder config) {
        config.paddingBytes(padding);
    }

    /** {@code GET ROUTE/{channel}?since=}: 200, the prelude line, then one signal a line. */
    @Override
    public final Subscription open(TestServer server, String channel, String since) throws IOException {
        String path = route + "/" + channel + (since == null ? "" : "?since=" + since);
        HttpResponse<InputStream> r = server.stream(path);
        assertThat(r.statusCode()).as("status of %s", path).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String prelude = prelude(server.server().config().paddingBytes());
        return new ReaderThreadSubscription(path, r.body(), emit -> {
            assertThat(lines.readLine()).as("the prelude line").isEqualTo(prelude);
            for (String line; (line = lines.readLine()) != null; ) {
                emit.accept(signal(line, channel));
            }
        });
    }

    @Override
    public final String subscribeWithoutReading(Socket socket, String channel) throws IOException {
        return TransportClient.get(socket, route + "/" + channel);
    }
}
