package io.herald.server.sockjs;

import io.netty.handler.codec.http.FullHttpRequest;
import java.util.function.Function;

/**
 * The test services the upstream SockJS suite expects (docs/protocol.md, "Conformance services"):
 * {@code echo} sends every message back, {@code close} closes every session at once with
 * {@code c[3000,"Go away!"]}. Mounted only with {@code conformance} on.
 */
final class ConformanceApps {
    private ConformanceApps() {
    }

    /** Echo: each message back, in order. */
    static final Function<FullHttpRequest, SockJsApp> ECHO = request -> new SockJsApp() {
        private SockJsSession session;

        @Override
        public void opened(SockJsSession s) {
            session = s;
        }

        @Override
        public void message(String message) {
            session.send(SockJsSession.ascii(SockJsJson.quote(message)));
            session.flush();
        }

        @Override
        public void closed() {
        }
    };

    /** Close: the session closes as soon as it opens, {@code 3000 "Go away!"}. */
    static final Function<FullHttpRequest, SockJsApp> CLOSE = request -> new SockJsApp() {
        @Override
        public void opened(SockJsSession s) {
            s.close(3000, "Go away!");
        }

        @Override
        public void message(String message) {
        }

        @Override
        public void closed() {
        }
    };
}
