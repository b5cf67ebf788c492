package io.herald.server.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/** Small JSON helpers for hand-assembled bodies. Stateless and thread-safe. */
public final class Json {
    private Json() {
    }

    /** {@code s} as a quoted JSON string literal (RFC 8259, section 7). */
    public static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
