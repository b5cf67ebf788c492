package io.herald.server.config;

import io.herald.server.auth.AuthConfig;
import io.herald.server.broker.BrokerConfig;

import io.herald.core.NamespaceOptions;
import io.herald.core.NodeConfig;
import io.herald.server.ServerConfig;

/**
 * The builders of the configuration records while a {@link Configuration} applies its settings:
 * the server's, the node's, and the default namespace's options. Not thread-safe; one per build.
 */
public final class Builders {
    /** The server's settings. */
    public final ServerConfig.Builder server = ServerConfig.builder();
    /** The node's settings (namespaces are added by {@link Configuration}). */
    public final NodeConfig.Builder node = NodeConfig.builder();
    /** The options of channels in no configured namespace. */
    public final NamespaceOptions.Builder defaults = NamespaceOptions.builder();
    /** Access control's settings (the key lists are added by {@link Configuration}). */
    public final AuthConfig.Builder auth = AuthConfig.builder();
    /** The broker's settings. */
    public final BrokerConfig.Builder broker = BrokerConfig.builder();

    Builders() {
    }
}
