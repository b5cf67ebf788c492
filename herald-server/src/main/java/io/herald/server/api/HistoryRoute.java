package io.herald.server.api;

import io.herald.core.HistoryPage;
import io.herald.core.Node;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.auth.Action;
import io.herald.server.codec.Cursor;
import io.herald.server.codec.Envelopes;
import io.herald.server.http.HttpResponses;
import io.herald.server.http.Route;
import io.herald.server.http.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /history/{channel}?since=ID&limit=N} and short polling, {@code GET /poll/{channel}}
 * (the same read, named for the technique): answers at once with
 * {@code {"messages":[envelope...],"next":"ID","reset":false}}.
 *
 * <p>Without {@code since} the latest {@code limit} publications; with it, the first {@code limit}
 * after it, and {@code next} to ask from next time. A position older than history or of another
 * epoch answers {@code "reset":true} with no messages and the current id as {@code next}.
 * {@code limit} defaults to 100, at most 1000. Errors: 400 {@code invalid_since},
 * {@code invalid_parameter}; 503 {@code broker_unavailable} (docs/protocol.md, "History and short polling").
 */
public final class HistoryRoute implements Route {
    /** The default page size. */
    public static final int DEFAULT_LIMIT = 100;
    /** The largest page size. */
    public static final int MAX_LIMIT = 1000;

    private final Node node;
    private final Action as;

    /** {@code /history}: the read is checked as {@link Action#HISTORY}. */
    public HistoryRoute(Node node) {
        this(node, Action.HISTORY);
    }

    /**
     * @param node the node
     * @param as   what the read counts as for access control: {@link Action#HISTORY} for
     *             {@code /history}, {@link Action#SUBSCRIBE} for short polling ({@code /poll})
     */
    public HistoryRoute(Node node, Action as) {
        this.node = node;
        this.as = as;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        if (target.multi()) {
            pollSeveral(ctx, request, target);
            return;
        }
        StreamPosition since = target.query().position("since");
        int limit = target.query().intParam("limit", DEFAULT_LIMIT, 0, MAX_LIMIT);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        node.history(target.principal(), as, target.channel(), since, limit).whenComplete((page, error) -> {
            if (error == null) {
                HttpResponses.json(ctx, keepAlive, Envelopes.page(page.publications(), page.next(), page.reset()),
                        target.privacy());
            } else {
                HttpResponses.error(ctx, keepAlive, error, "GET " + target.path());
            }
        });
    }

    /**
     * {@code GET /poll?channel=a&channel=b&since=CURSOR&limit=N} (docs/protocol.md, "Several channels
     * on one request"): each channel's page, read as {@code /poll/{channel}} reads it but with nothing
     * for a channel without a position (its current position only), placed one after another,
     * a reset item before a reset channel's publications, and {@code next} the cursor after them.
     */
    private void pollSeveral(ChannelHandlerContext ctx, FullHttpRequest request, RouteTarget target) {
        Cursor cursor = Cursor.parse(target.channels(), target.query().get("since"));
        int limit = target.query().intParam("limit", DEFAULT_LIMIT, 0, MAX_LIMIT);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        @SuppressWarnings("unchecked")
        CompletableFuture<HistoryPage>[] pages = new CompletableFuture[cursor.size()];
        for (int i = 0; i < pages.length; i++) {
            StreamPosition since = cursor.position(i);
            pages[i] = node.history(target.principal(), as, cursor.channel(i), since, since == null ? 0 : limit);
        }
        CompletableFuture.allOf(pages).whenComplete((done, error) -> {
            if (error != null) {
                HttpResponses.error(ctx, keepAlive, error, "GET " + target.path());
                return;
            }
            List<Object> items = new ArrayList<>();
            boolean reset = false;
            for (int i = 0; i < pages.length; i++) {
                HistoryPage page = pages[i].join();
                List<Publication> pubs = page.publications();
                if (page.reset()) {
                    reset = true;
                    // The position the page's publications follow: before the first, or the top when none.
                    StreamPosition current = pubs.isEmpty() ? page.next()
                            : new StreamPosition(pubs.get(0).epoch(), pubs.get(0).offset() - 1);
                    items.add(Envelopes.reset(cursor.channel(i), current));
                }
                items.addAll(pubs);
                cursor.set(i, page.next());
            }
            HttpResponses.json(ctx, keepAlive, Envelopes.page(items, cursor.toString(), reset), target.privacy());
        });
    }
}
