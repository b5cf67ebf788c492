package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.herald.server.testing.BackgroundPublisher;
import io.herald.server.testing.Http2Client;
import io.herald.server.testing.Http2TestClient;
import io.herald.server.testing.SseReader;
import io.herald.server.testing.TestCertificate;
import io.herald.server.testing.TestServer;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 rapid-reset attack (CVE-2023-44487): a client opens streams and resets each at once
 * (HEADERS then RST_STREAM), so that the server starts work it never finishes, as fast as it can
 * send. Netty's guard ({@link HttpInitializer#MAX_RST_FRAMES} per {@link HttpInitializer#RST_WINDOW_SECONDS})
 * must answer {@code GOAWAY ENHANCE_YOUR_CALM} and close that connection while another client's
 * stream keeps receiving every publication in order (docs/protocol.md, "TLS and HTTP/2").
 */
class RapidResetTest {
    private static final int FLOOD = 5000;
    private static final int PUBLICATIONS = 300;

    @TempDir
    Path dir;

    @Test
    void aFloodOfStreamResetsIsCutOffWhileAnotherClientKeepsReceiving() throws Exception {
        try (TestServer t = TestServer.startTls(TestCertificate.create(dir), HttpClient.Version.HTTP_1_1, cfg -> { });
             Http2Client calm = t.newHttp2Client();
             Http2TestClient attacker = Http2TestClient.tls(t)) {
            HttpResponse<InputStream> stream = calm.send(HttpRequest.newBuilder(t.uri("/sse/calm")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.version()).isEqualTo(HttpClient.Version.HTTP_2);
            SseReader reader = new SseReader(stream.body());
            assertThat(reader.next().retry()).isNotNull();
            TestServer.await("the calm subscriber's session", java.time.Duration.ofSeconds(10),
                    () -> t.server().node().sessionCount() == 1);
            attacker.settings.get(5, TimeUnit.SECONDS);

            int sent;
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            Logger logger = (Logger) LoggerFactory.getLogger(ConnectionErrors.class);
            ch.qos.logback.classic.Level level = logger.getLevel();
            logger.setLevel(ch.qos.logback.classic.Level.INFO); // the test configuration logs warnings only
            logger.addAppender(log);
            try (BackgroundPublisher publisher = BackgroundPublisher.start(t.server(), "calm", "m", PUBLICATIONS)) {
                sent = flood(attacker);
                assertThat(attacker.channel().closeFuture().await(10, TimeUnit.SECONDS)).as("the attacker's connection closed").isTrue();
                assertThat(sent).as("streams the attacker got to open before the guard cut it off").isLessThan(FLOOD);
                TestServer.await("the guard's line in the log", java.time.Duration.ofSeconds(5), () -> log.list.stream()
                        .anyMatch(e -> e.getFormattedMessage().endsWith("closed: Maximum number of RST frames reached (ENHANCE_YOUR_CALM)")));
                // The GOAWAY itself may be lost: the server closes with the flood unread, which TCP turns into a reset.
                Http2GoAwayFrame goAway = attacker.goAway.getNow(null);
                if (goAway != null) {
                    assertThat(Http2Error.valueOf(goAway.errorCode())).isEqualTo(Http2Error.ENHANCE_YOUR_CALM);
                }
                publisher.join();
                List<String> received = new ArrayList<>();
                while (received.size() < PUBLICATIONS) {
                    received.add(reader.next().data());
                }
                assertThat(received).containsExactlyElementsOf(publisher.expected());
            } finally {
                logger.detachAppender(log);
                logger.setLevel(level);
            }
            stream.body().close();
            t.awaitNoSessions();
        }
    }

    /**
     * Opens and at once resets streams ({@code GET /sse/flood}: each would start a session) in
     * batches on the client's event loop, until {@link #FLOOD} or the connection ends.
     *
     * @return how many streams were opened
     */
    private static int flood(Http2TestClient attacker) throws Exception {
        int[] sent = {0};
        while (sent[0] < FLOOD && attacker.channel().isActive() && !attacker.goAway.isDone()) {
            attacker.channel().eventLoop().submit(() -> {
                for (int i = 0; i < 100 && attacker.channel().isActive(); i++) {
                    var opened = new Http2StreamChannelBootstrap(attacker.channel())
                            .handler(new io.netty.channel.ChannelInboundHandlerAdapter()).open();
                    if (!opened.isSuccess()) {
                        return;
                    }
                    Http2StreamChannel stream = opened.getNow();
                    stream.write(new DefaultHttp2HeadersFrame(attacker.headers("GET", "/sse/flood"), true));
                    stream.close(); // RST_STREAM (CANCEL)
                    sent[0]++;
                }
                attacker.channel().flush();
            }).await(10, TimeUnit.SECONDS);
        }
        return sent[0];
    }
}
