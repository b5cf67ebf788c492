package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener that records what it is told, with the checks the tests share. Thread-safe (its lists
 * are read by the test thread while the delivery thread appends).
 */
class Recorder implements SubscriptionListener {
    final List<Envelope> publications = new ArrayList<>();
    final List<String> resets = new ArrayList<>();
    final List<ConnectionState> states = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    private final List<String> threads = new ArrayList<>();

    @Override
    public void onPublication(Envelope envelope) {
        synchronized (this) {
            publications.add(envelope);
            if (threads.isEmpty() || !threads.get(threads.size() - 1).equals(Thread.currentThread().getName())) {
                threads.add(Thread.currentThread().getName());
            }
        }
    }

    @Override
    public synchronized void onReset(String channel, String position) {
        resets.add(channel + "@" + position);
    }

    @Override
    public synchronized void onStateChange(ConnectionState state) {
        states.add(state);
    }

    @Override
    public synchronized void onError(Throwable error) {
        errors.add(error);
    }

    synchronized int count() {
        return publications.size();
    }

    synchronized List<Envelope> publications() {
        return new ArrayList<>(publications);
    }

    synchronized List<ConnectionState> states() {
        return new ArrayList<>(states);
    }

    synchronized List<Throwable> errors() {
        return new ArrayList<>(errors);
    }

    synchronized List<String> resets() {
        return new ArrayList<>(resets);
    }

    synchronized List<String> threads() {
        return new ArrayList<>(threads);
    }

    synchronized boolean saw(ConnectionState state) {
        return states.contains(state);
    }

    synchronized ConnectionState lastState() {
        return states.isEmpty() ? null : states.get(states.size() - 1);
    }

    void awaitState(ConnectionState state) {
        TestServer.await("state " + state + " (states so far: " + states() + ", errors: " + errors() + ")",
                Duration.ofSeconds(20), () -> lastState() == state);
    }

    void awaitCount(int n) {
        TestServer.await(n + " publications (have " + count() + ", states " + states() + ", errors " + errors() + ")",
                Duration.ofSeconds(60), () -> count() >= n);
    }

    /** Asserts the publications are exactly offsets first..last of one epoch, in order, once each. */
    void assertExactly(long first, long last) {
        List<Envelope> got = publications();
        List<Long> offsets = new ArrayList<>();
        for (Envelope e : got) {
            offsets.add(e.offset());
        }
        List<Long> expected = new ArrayList<>();
        for (long i = first; i <= last; i++) {
            expected.add(i);
        }
        assertThat(offsets).as("offsets received").containsExactlyElementsOf(expected);
        assertThat(got).extracting(Envelope::epoch).containsOnly(got.get(0).epoch());
        for (Envelope e : got) {
            assertThat(e.text().split(":")[0]).as("payload of offset %d", e.offset()).isEqualTo("m" + e.offset());
        }
    }
}
