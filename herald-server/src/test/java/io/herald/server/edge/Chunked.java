package io.herald.server.edge;

import java.io.IOException;
import java.io.InputStream;

/** The body of a chunked HTTP/1.1 response read off a raw socket (RFC 9112, section 7.1), for {@link io.herald.server.testing.SseReader}. */
final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        if (done) {
            return -1;
        }
        while (left == 0) {
            String size = line();
            if (size == null) {
                done = true;
                return -1;
            }
            if (size.isEmpty()) {
                continue; // the CRLF after a chunk's data
            }
            left = Long.parseLong(size.split(";")[0].trim(), 16);
            if (left == 0) {
                done = true;
                return -1;
            }
        }
        int b = in.read();
        if (b < 0) {
            done = true;
            return -1;
        }
        left--;
        return b;
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                return line.toString().trim();
            }
            line.append((char) b);
        }
        return null;
    }
}
