package io.herald.server.transport.contract;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forever iframe, {@code GET /iframe/{channel}?since=}, with the default callback: the prelude
 * line (document head and a padding comment), then one {@code <script>parent.herald(JSON)</script>}
 * line per envelope or reset notice; {@code <!-- -->} is the heartbeat; the goodbye's script call
 * ends the document.
 */
final class IframeClient extends LineStreamClient {
    private static final String HEAD = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald</title></head><body>";
    private static final String CALL = "<script>parent.herald(";
    private static final String END = ")</script>";
    private static final String DOCUMENT_END = "</body></html>";

    IframeClient() {
        super("forever iframe", "/iframe", 3);
    }

    @Override
    String prelude(int padding) {
        return HEAD + "<!--" + " ".repeat(padding) + "-->";
    }

    @Override
    Signal signal(String line, String channel) {
        if (line.equals("<!-- -->")) {
            return Signal.heartbeat();
        }
        boolean last = line.endsWith(END + DOCUMENT_END);
        String call = last ? line.substring(0, line.length() - DOCUMENT_END.length()) : line;
        assertThat(call).as("a script line").startsWith(CALL).endsWith(END);
        Signal signal = Wire.control(call.substring(CALL.length(), call.length() - END.length()), channel);
        assertThat(last).as("the document ends with the goodbye, and only there: %s", line)
                .isEqualTo(signal.kind() == Signal.Kind.GOODBYE);
        return signal;
    }
}
