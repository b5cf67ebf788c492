package io.herald.client;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The bounded queue between the network and one subscription's listener, and the listener's
 * delivery: items run on {@code executor}, one at a time, in order (a serial drain: at most one task
 * of this inbox is on the executor at once), never on the thread that queued them.
 *
 * <p>Bound: at most {@code capacity} publications wait. The network side queues a publication only
 * when there is room ({@link #offer} says whether room is left after it); when there is none it
 * stops reading and leaves a {@code resume} action, which runs (on the delivery thread) as soon as
 * the listener has taken one publication off the full queue. Resets, errors and state changes are
 * queued beside the publications, in order, and are bounded by other means: a run of state changes
 * waiting for the listener holds each state at most once (a reconnect cycle that failed while the
 * listener was busy is dropped from it), and nothing is queued after {@code CLOSED}.
 *
 * <p>Thread-safe: one lock guards the queue; the listener runs outside it.
 */
final class Inbox {
    private static final System.Logger LOG = System.getLogger(Inbox.class.getName());

    private record Item(Envelope publication, String resetPosition, Throwable error, ConnectionState state) {
    }

    private final String channel;
    private final int capacity;
    private final Executor executor;
    private final SubscriptionListener listener;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private int publications;
    private int highWater;
    private Runnable resume;
    private boolean scheduled;
    private boolean closedQueued;
    private ConnectionState lastQueuedState;

    Inbox(String channel, int capacity, Executor executor, SubscriptionListener listener) {
        this.channel = channel;
        this.capacity = capacity;
        this.executor = executor;
        this.listener = listener;
    }

    /**
     * Queues a publication; the caller must have had room (the previous offer returned true or its
     * resume ran).
     *
     * @param resume run once room is back, when this offer filled the queue
     * @return whether there is room for another publication; when false, {@code resume} is kept and
     *         the caller reads nothing more until it runs
     */
    boolean offer(Envelope publication, Runnable resume) {
        synchronized (this) {
            if (closedQueued) {
                return true;
            }
            if (publications >= capacity) {
                throw new IllegalStateException("the inbox of " + channel + " is full (" + capacity + "): the network side read past its demand");
            }
            queue.add(new Item(publication, null, null, null));
            publications++;
            highWater = Math.max(highWater, publications);
            lastQueuedState = null;
            schedule();
            if (publications < capacity) {
                return true;
            }
            this.resume = resume;
            return false;
        }
    }

    /** Queues a reset (see {@link SubscriptionListener#onReset}). */
    void reset(String position) {
        control(new Item(null, position, null, null));
    }

    /** Queues an error. */
    void error(Throwable error) {
        control(new Item(null, null, error, null));
    }

    /** Queues a state change, unless it is the state last queued (see the class comment for cycles). */
    void state(ConnectionState state) {
        synchronized (this) {
            if (closedQueued || state == lastQueuedState) {
                return;
            }
            // the trailing run of state changes not delivered yet holds each state at most once: a state
            // seen again there ends a cycle (a failed reconnect: DISCONNECTED, CONNECTING, DISCONNECTED),
            // which is dropped, so a listener held up during many attempts finds at most four waiting
            java.util.Iterator<Item> back = queue.descendingIterator();
            int run = 0;
            int cut = -1;
            while (back.hasNext()) {
                Item item = back.next();
                if (item.state() == null) {
                    break;
                }
                run++;
                if (item.state() == state) {
                    cut = run;
                }
            }
            for (int i = 0; i < cut; i++) {
                queue.pollLast();
            }
            queue.add(new Item(null, null, null, state));
            lastQueuedState = state;
            closedQueued = state == ConnectionState.CLOSED;
            schedule();
        }
    }

    /** Drops what waits and queues {@code CLOSED}; runs a waiting resume (the network may read on for others). */
    void close() {
        Runnable r;
        synchronized (this) {
            if (closedQueued) {
                return;
            }
            queue.clear();
            publications = 0;
            lastQueuedState = null;
            r = resume;
            resume = null;
        }
        state(ConnectionState.CLOSED);
        if (r != null) {
            r.run();
        }
    }

    /** The publications waiting now. */
    synchronized int size() {
        return publications;
    }

    /** The most publications that ever waited at once (never more than the capacity). */
    synchronized int highWater() {
        return highWater;
    }

    private void control(Item item) {
        synchronized (this) {
            if (closedQueued) {
                return;
            }
            queue.add(item);
            lastQueuedState = null;
            schedule();
        }
    }

    // guarded by this
    private void schedule() {
        if (scheduled) {
            return;
        }
        scheduled = true;
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            scheduled = false;
            LOG.log(Level.WARNING, "herald-client: the listener executor refused the delivery for " + channel, e);
        }
    }

    private void drain() {
        for (;;) {
            Item item;
            Runnable r = null;
            synchronized (this) {
                item = queue.poll();
                if (item == null) {
                    scheduled = false;
                    return;
                }
                if (item.publication() != null) {
                    publications--;
                    if (resume != null) {
                        r = resume;
                        resume = null;
                    }
                }
            }
            if (r != null) {
                r.run(); // the network reads on while the listener works on this one
            }
            deliver(item);
        }
    }

    private void deliver(Item item) {
        try {
            if (item.publication() != null) {
                listener.onPublication(item.publication());
            } else if (item.resetPosition() != null) {
                listener.onReset(channel, item.resetPosition());
            } else if (item.error() != null) {
                listener.onError(item.error());
            } else {
                listener.onStateChange(item.state());
            }
        } catch (RuntimeException | Error e) {
            if (item.error() != null) {
                LOG.log(Level.WARNING, "herald-client: the listener of " + channel + " threw from onError", e);
                return;
            }
            try {
                listener.onError(e);
            } catch (RuntimeException | Error again) {
                LOG.log(Level.WARNING, "herald-client: the listener of " + channel + " threw from onError", again);
            }
        }
    }
}
