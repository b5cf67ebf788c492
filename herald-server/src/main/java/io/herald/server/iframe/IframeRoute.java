package io.herald.server.iframe;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.Node;
import io.herald.core.StreamPosition;
import io.herald.server.ServerConfig;
import io.herald.server.codec.Cursor;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.regex.Pattern;

/**
 * {@code GET /iframe/{channel}?since=ID&callback=NAME}, and {@code GET /iframe?channel=a&channel=b&since=CURSOR}
 * (docs/protocol.md, "Several channels on one request"): starts an {@link IframeTransport}.
 *
 * <p>{@code callback} is the function of the parent page each publication is passed to,
 * {@value #DEFAULT_CALLBACK} when absent or empty; it must be a dotted JavaScript identifier path
 * ({@link #CALLBACK}) and is checked, like {@code since}, before the response starts.
 * Errors: 400 {@code invalid_callback}, 400 {@code invalid_since}, 503 {@code shutting_down}.
 *
 * <p>Wire contract: docs/protocol.md, "Forever iframe".
 */
public final class IframeRoute implements Route {
    /** The callback used when the request names none. */
    public static final String DEFAULT_CALLBACK = "herald";

    /**
     * A callback path: dotted JavaScript identifiers (ASCII), at most 128 characters. Nothing else can
     * reach the {@code <script>} elements the transport writes around it (docs/protocol.md, "Forever iframe").
     */
    public static final Pattern CALLBACK = Pattern.compile("^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$");

    private final Node node;
    private final ServerConfig config;
    private final byte[] prelude;

    /**
     * @param node   the node
     * @param config the server configuration ({@code paddingBytes}, {@code heartbeat})
     */
    public IframeRoute(Node node, ServerConfig config) {
        this.node = node;
        this.config = config;
        this.prelude = IframeTransport.prelude(config.paddingBytes());
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        String raw = target.query().get("callback");
        String callback = raw == null || raw.isEmpty() ? DEFAULT_CALLBACK : checkCallback(raw);
        IframeTransport transport = new IframeTransport(ctx.channel(), prelude, callback);
        if (target.multi()) {
            transport.start(ctx, node, config, IframeTransport.CONTENT_TYPE, target,
                    Cursor.parse(target.channels(), target.query().get("since")));
        } else {
            StreamPosition since = target.query().position("since");
            transport.start(ctx, node, config, IframeTransport.CONTENT_TYPE, target, since);
        }
    }

    /**
     * Returns {@code name} when it is a valid callback path ({@link #CALLBACK}).
     *
     * @throws HeraldException {@link ErrorCode#INVALID_CALLBACK} otherwise
     */
    public static String checkCallback(String name) {
        if (name == null || name.length() > 128 || !CALLBACK.matcher(name).matches()) {
            throw new HeraldException(ErrorCode.INVALID_CALLBACK, "callback " + Names.quote(name)
                    + " (expected: ^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$, at most 128 characters)");
        }
        return name;
    }
}
