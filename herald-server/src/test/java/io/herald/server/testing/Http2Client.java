package io.herald.server.testing;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/**
 * A java.net.http client that prefers HTTP/2 and trusts a test server's certificate, closed like
 * the clients of later JDKs: java.net.http on JDK 17 has no {@code close()} and keeps an HTTP/2
 * connection until the client is garbage-collected, so {@link #close()} drops the only reference
 * to it, and {@link TestServer#close()} collects garbage while it waits for connections to end.
 * Do not keep {@link #client()} in a variable of your own. Thread-safe.
 */
public final class Http2Client implements AutoCloseable {
    private volatile HttpClient client;

    Http2Client(HttpClient client) {
        this.client = client;
    }

    /** The client; null once closed. */
    public HttpClient client() {
        return client;
    }

    /** {@link HttpClient#send}. */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException, InterruptedException {
        return client.send(request, body);
    }

    /** {@link HttpClient#sendAsync}. */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        return client.sendAsync(request, body);
    }

    /** Drops the client, so that its connection ends once it is collected. */
    @Override
    public void close() {
        client = null;
    }
}
