package io.herald.core.auth;

import io.herald.core.ErrorCode;
import io.herald.core.HeraldException;
import io.herald.core.Names;
import io.herald.core.NamespaceOptions;

/**
 * The one decision of who may subscribe to, publish to, or read the history of a channel
 * (docs/security.md, "Channel permissions"). Every read path (SSE, XHR streaming, the forever
 * iframe, long and short polling, history, both WebSocket forms) and every client write goes
 * through {@link #check}; {@link io.herald.core.Node} calls it for subscriptions and client
 * publications itself, so no transport can forget it.
 *
 * <p>{@link #OPEN} (access control off, the default) allows everything: Herald as it was before
 * access control, where only a namespace's {@code client-publish: false} refuses client
 * publications. {@link #ENFORCING} decides, the first rule that matches allowing, default deny:
 * <ol>
 *   <li>under the level {@link AccessLevel#NONE}: nobody (a server may still publish);</li>
 *   <li>a {@link Principal.Kind#SERVER} (an API key) may publish and read history;</li>
 *   <li>a subscription token may subscribe to its one channel;</li>
 *   <li>a token's {@link Grants} pattern for the action;</li>
 *   <li>the namespace's level for the action ({@link NamespaceOptions#level}).</li>
 * </ol>
 * A refusal of a client with no credential is {@code unauthorized} (it may get a token and retry);
 * of a client with one, {@code forbidden}. Stateless; thread-safe; costs a few comparisons (it runs
 * on connect and subscribe, never per delivery).
 */
public final class Authorizer {
    /** Access control off: everything allowed. */
    public static final Authorizer OPEN = new Authorizer(false);
    /** Access control on: the rules above. */
    public static final Authorizer ENFORCING = new Authorizer(true);

    private final boolean enforcing;

    private Authorizer(boolean enforcing) {
        this.enforcing = enforcing;
    }

    /** Whether access control is on. */
    public boolean enforcing() {
        return enforcing;
    }

    /**
     * Allows {@code who} to do {@code action} on {@code channel}, or throws.
     *
     * @param who        the client (or server) asking
     * @param action     what it asks
     * @param channel    a valid channel name
     * @param options    the options of the channel's namespace
     * @param subscribed whether the asking connection is subscribed to the channel (for
     *                   {@link AccessLevel#SUBSCRIBER}); false where there is no connection
     * @throws HeraldException {@code unauthorized} when refused to a client without a credential,
     *                         {@code forbidden} when refused to one with a credential
     */
    public void check(Principal who, Action action, String channel, NamespaceOptions options, boolean subscribed) {
        if (!enforcing || allowed(who, action, channel, options, subscribed)) {
            return;
        }
        String what = (action == Action.HISTORY ? "read the history of " : action.word() + " to ") + Names.quote(channel);
        if (!who.authenticated()) {
            throw new HeraldException(ErrorCode.UNAUTHORIZED, "a token is required to " + what);
        }
        throw new HeraldException(ErrorCode.FORBIDDEN, who + " may not " + what);
    }

    /** The rules, without the exception: whether {@code who} may do it. */
    public boolean allowed(Principal who, Action action, String channel, NamespaceOptions options, boolean subscribed) {
        if (!enforcing) {
            return true;
        }
        AccessLevel level = options.level(action);
        if (level == AccessLevel.NONE) {
            return who.kind() == Principal.Kind.SERVER && action == Action.PUBLISH;
        }
        if (who.kind() == Principal.Kind.SERVER) {
            return action != Action.SUBSCRIBE;
        }
        if (who.subscriptionToken()) {
            if (action == Action.SUBSCRIBE && who.channel().equals(channel)) {
                return true;
            }
            // Otherwise a subscription token counts as no credential: it is for its one channel only.
            who = Principal.ANONYMOUS;
        }
        if (who.grants().allows(action, channel)) {
            return true;
        }
        return switch (level) {
            case ANONYMOUS -> true;
            case AUTHENTICATED -> who.authenticated();
            case OWNER -> who.authenticated() && owns(who.subject(), channel);
            case SUBSCRIBER -> action == Action.PUBLISH && subscribed;
            case GRANT, NONE -> false;
        };
    }

    /**
     * Whether {@code subject} owns {@code channel}: its name after {@code NAMESPACE:}, up to the first
     * {@code .}, equals the subject ({@code user:42}, {@code user:42.inbox} for 42; not {@code user:420}).
     * A channel of the default namespace (no {@code :}) has no owner.
     */
    static boolean owns(String subject, String channel) {
        int colon = channel.indexOf(':');
        if (colon < 0 || subject.isEmpty()) {
            return false;
        }
        int dot = channel.indexOf('.', colon + 1);
        String owner = dot < 0 ? channel.substring(colon + 1) : channel.substring(colon + 1, dot);
        return owner.equals(subject);
    }
}
