package io.herald.server.transport.contract;

/**
 * XHR streaming, {@code GET /stream/{channel}?since=}: a padding line of spaces first, then one JSON
 * line per envelope, reset notice or goodbye; an empty line is the heartbeat.
 */
final class XhrStreamClient extends LineStreamClient {
    XhrStreamClient() {
        super("XHR streaming", "/stream", 7);
    }

    @Override
    String prelude(int padding) {
        return " ".repeat(padding);
    }

    @Override
    Signal signal(String line, String channel) {
        return line.isEmpty() ? Signal.heartbeat() : Wire.control(line, channel);
    }
}
