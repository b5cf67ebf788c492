package io.herald.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * How private a read's answer is, which decides its caching headers (docs/protocol.md, "Access
 * control"): what anyone may read is {@code no-cache} as ever; what a credential was needed for is
 * never stored by a browser or a proxy (RFC 9111, section 5.2.2.5); an answer to a request that
 * carried a ticket in its URL also tells the browser not to send that URL as a {@code Referer}
 * (W3C Referrer Policy). Immutable.
 */
public enum Privacy {
    /** No credential was used: {@code Cache-Control: no-cache}. */
    PUBLIC,
    /** An authenticated read: {@code Cache-Control: private, no-store}. */
    PRIVATE,
    /** A read authenticated by a {@code ?token=} ticket: as {@link #PRIVATE}, plus {@code Referrer-Policy: no-referrer}. */
    TICKET;

    private static final AsciiString NO_CACHE = AsciiString.cached("no-cache");
    private static final AsciiString NO_STORE = AsciiString.cached("private, no-store");
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");

    /** Sets this privacy's headers on a response. */
    public void apply(HttpHeaders headers) {
        headers.set(HttpHeaderNames.CACHE_CONTROL, this == PUBLIC ? NO_CACHE : NO_STORE);
        if (this == TICKET) {
            headers.set(REFERRER_POLICY, NO_REFERRER);
        }
    }
}
