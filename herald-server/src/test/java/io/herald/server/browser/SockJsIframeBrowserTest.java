package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.herald.server.testing.NpmClients;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The iframe-based transports of {@code sockjs-client} (iframe-eventsource, iframe-htmlfile,
 * iframe-xhr-polling) in headless Chromium: Herald's iframe page ({@code /sockjs/iframe.html})
 * loads sockjs-client from {@code sockjs.client-url}, here pointed at a loopback HTTP server of the
 * test that serves the npm package's {@code sockjs.min.js} (the default, jsDelivr, is out of a test
 * machine's reach). Each transport subscribes with {@code since} and receives what it missed and
 * every publication made live, in order, once (docs/protocol.md, "SockJS").
 */
@Tag("browser")
class SockJsIframeBrowserTest {
    /** Serves {@code /sockjs.min.js} from the npm package (404 while it is not installed); counts what it served. */
    private static final AtomicInteger SERVED = new AtomicInteger();
    private static final HttpServer CLIENT = clientServer();

    @RegisterExtension
    static final BrowserFixture browser = new BrowserFixture(cfg -> cfg.sockjsClientUrl(clientUrl()));

    private static String clientUrl() {
        return "http://127.0.0.1:" + CLIENT.getAddress().getPort() + "/sockjs.min.js";
    }

    private static Path clientFile() {
        return NpmClients.DIR.resolve("node_modules").resolve("sockjs-client").resolve("dist").resolve("sockjs.min.js");
    }

    private static HttpServer clientServer() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/sockjs.min.js", exchange -> {
                Path file = clientFile();
                byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
                exchange.getResponseHeaders().set("Content-Type", "application/javascript; charset=UTF-8");
                exchange.sendResponseHeaders(body.length > 0 ? 200 : 404, body.length > 0 ? body.length : -1);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                SERVED.incrementAndGet();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopClientServer() {
        CLIENT.stop(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iframe-eventsource", "iframe-htmlfile", "iframe-xhr-polling"})
    void sockjsClientReceivesEveryPublicationInOrderOverEachIframeTransport(String transport) throws Exception {
        SockJsBrowserTest.client(); // skips (fails under CI) without the npm package
        assertThat(browser.server().get("/sockjs/iframe.html").body()).contains("<script src=\"" + clientUrl() + "\">");
        int servedBefore = SERVED.get();
        SockJsBrowserTest.receivesEveryPublicationInOrder(browser, transport);
        assertThat(SERVED.get()).as("the iframe page loaded sockjs-client from sockjs.client-url").isGreaterThan(servedBefore);
    }
}
