package io.herald.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 response with a {@code Content-Length} body, read off a raw socket (for tests that
 * need the connection itself: keep-alive, abandoned requests).
 *
 * @param status the status code
 * @param head   the status line and headers, lower-cased, ending with the blank line
 * @param body   the body, as UTF-8
 */
public record RawResponse(int status, String head, String body) {
    /**
     * Reads the next response from {@code in}, blocking as the stream does.
     *
     * @throws AssertionError when the connection ends before the head or body is complete
     */
    public static RawResponse read(InputStream in) throws IOException {
        String text = head(in).toLowerCase(Locale.ROOT);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new AssertionError("connection closed after " + body.length + " of " + length + " body bytes");
        }
        return new RawResponse(Integer.parseInt(text.substring(9, 12)), text, new String(body, StandardCharsets.UTF_8));
    }

    /** Whether the head has {@code name: value} (both lower-case). */
    public boolean hasHeader(String name, String value) {
        return head.contains("\r\n" + name + ": " + value + "\r\n");
    }

    /**
     * Reads a response head, the status line through the blank line, as sent (not lower-cased).
     *
     * @throws AssertionError when the connection ends before the head is complete
     */
    public static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed in the response head: " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
