package io.herald.server.iframe;

import io.herald.core.Disconnect;
import io.herald.core.Publication;
import io.herald.core.hub.Subscribed;
import io.herald.server.codec.Envelopes;
import io.herald.server.codec.WireErrors;
import io.herald.server.transport.StreamTransport;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;

/**
 * The forever-iframe (htmlfile) transport, {@code GET /iframe/{channel}}: one chunked
 * {@code text/html} page per subscriber that never finishes loading (chunked transfer coding per
 * RFC 9112, section 7.1). The browser runs each {@code <script>} element as it arrives (WHATWG
 * HTML, section 4.12.1 "The script element"), calling a function of the parent page.
 *
 * <p>The wire:
 * <pre>
 * &lt;!DOCTYPE html&gt;&lt;html&gt;&lt;head&gt;&lt;meta charset="utf-8"&gt;&lt;title&gt;Herald&lt;/title&gt;&lt;/head&gt;&lt;body&gt;&lt;!--(padding)--&gt;
 * &lt;script&gt;parent.NAME({"channel":"c","id":"e-1",...})&lt;/script&gt;                 per publication
 * &lt;script&gt;parent.NAME({"reset":true,"channel":"c","id":"e-20"})&lt;/script&gt;      position not served
 * &lt;!-- --&gt;                                                                      heartbeat
 * &lt;script&gt;parent.NAME({"disconnect":{...}})&lt;/script&gt;&lt;/body&gt;&lt;/html&gt;            goodbye
 * </pre>
 * every line ending with a newline but the last. Everything placed inside a script element is
 * JSON escaped by {@link Envelopes#scriptSafe} ({@code <}, {@code >}, {@code &}, U+2028, U+2029), so
 * no payload can contain {@code </script} or {@code <!--} (which would end the element or enter the
 * script-data-escaped states of the HTML tokenizer) nor break the JavaScript source. {@code NAME}
 * is validated by the route. Each publication is written as one chunk wrapping this connection's
 * precomputed prefix, the publication's shared {@link Envelopes#SCRIPT_SAFE_ENVELOPE} bytes and a
 * constant suffix, without copying. One instance per connection, used on its event loop.
 *
 * <p>Wire contract: docs/protocol.md, "Forever iframe".
 */
public final class IframeTransport extends StreamTransport {
    /** The media type of the page. */
    public static final String CONTENT_TYPE = "text/html; charset=utf-8";
    private static final byte[] SUFFIX = ")</script>\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEARTBEAT = "<!-- -->\n".getBytes(StandardCharsets.US_ASCII);

    private final String callback;
    private final byte[] prefix;

    /**
     * @param channel  the connection
     * @param prelude  the page head and padding, shared by every connection and never modified
     * @param callback the validated callback path ({@link IframeRoute#checkCallback})
     */
    public IframeTransport(Channel channel, byte[] prelude, String callback) {
        super(channel, prelude);
        this.callback = callback;
        this.prefix = ("<script>parent." + callback + "(").getBytes(StandardCharsets.US_ASCII);
    }

    /** The page head and a comment of {@code paddingBytes} spaces, then a newline. */
    public static byte[] prelude(int paddingBytes) {
        return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Herald</title></head><body>"
                + "<!--" + " ".repeat(paddingBytes) + "-->\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return "iframe";
    }

    @Override
    protected void writeEvent(Publication publication) {
        writeBuffer(Unpooled.wrappedBuffer(prefix, publication.encoded(Envelopes.SCRIPT_SAFE_ENVELOPE), SUFFIX));
    }

    @Override
    protected void writeReset(Subscribed notice) {
        writeText(call(Envelopes.reset(notice.channel(), notice.position())) + "\n");
    }

    /** The start cursor of a request of several channels: {@code parent.NAME({"cursor":"CURSOR"})}. */
    @Override
    protected void writeCursor() {
        writeText(call(Envelopes.cursor(cursor())) + "\n");
    }

    @Override
    protected void writeHeartbeat() {
        writeBytes(HEARTBEAT);
    }

    @Override
    protected String goodbyeText(Disconnect reason) {
        return call("{\"disconnect\":" + WireErrors.disconnectJson(reason) + "}") + "</body></html>";
    }

    /** {@code <script>parent.NAME(json)</script>} with {@code json} made script-safe. */
    private String call(String json) {
        String safe = new String(Envelopes.scriptSafe(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        return "<script>parent." + callback + "(" + safe + ")</script>";
    }
}
