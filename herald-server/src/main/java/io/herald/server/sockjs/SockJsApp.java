package io.herald.server.sockjs;

/**
 * What runs inside a SockJS session: Herald's command protocol on {@code /sockjs}, or one of the
 * conformance suite's test services (echo, close). One instance per session; every method runs on
 * the session's event loop.
 */
interface SockJsApp {
    /** The session opened (its {@code o} frame is written): the app may send and close. */
    void opened(SockJsSession session);

    /** A message from the client. */
    void message(String message);

    /** The session's outbox drained below its bound: pushes held back may flow again. */
    default void drained() {
    }

    /** The session ended (closed, timed out or interrupted); called once. */
    void closed();
}
