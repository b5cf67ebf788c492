package io.herald.redis;

import io.herald.core.NamespaceOptions;
import io.herald.core.Publication;
import io.herald.core.StreamPosition;
import io.herald.core.broker.BrokerListener;
import io.herald.core.broker.HistoryResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side of the node-to-node fan-out (docs/architecture.md, the broker contract): K
 * processor threads between the pub/sub reader and the node's {@link BrokerListener}, and the
 * catch-ups that keep every subscribed channel's delivery contiguous.
 *
 * <p>The reader (a Lettuce/Netty thread) never blocks: it hands each message to the processor of
 * hash(channel) through a bounded queue, and when that queue is full it drops the message and marks
 * the channel for a catch-up instead of waiting. A processor decodes the message and delivers it,
 * or acts on what it says, per channel remembering the last (epoch, offset) delivered:
 * <ul>
 *   <li>the next offset of the same epoch: delivered;</li>
 *   <li>an offset already delivered: dropped (a duplicate, e.g. of a catch-up);</li>
 *   <li>an offset further on: buffered, and a catch-up reads the missing ones from history, then
 *       delivers them and the buffer in order;</li>
 *   <li>another epoch: delivered as is (the node's subscriptions disconnect, their clients resume
 *       and get a reset).</li>
 * </ul>
 * Catch-ups also follow an overflow, and a top check ({@code HMGET} of the channel's meta) that
 * finds the channel behind: the periodic one of idle channels, and the one after each channel's
 * resubscribe confirmation (a pub/sub reconnect, a probe restart). They run on the channel's processor,
 * one at a time per channel, read up to the stream's top in pages, and pass on only what history
 * cannot fill: trimmed offsets as a gap, a changed or vanished stream as
 * {@link BrokerListener#onStreamLost}. So listener calls for a channel stay serial and in offset
 * order, and no loss is silent.
 *
 * <p>Catch-up reads and top checks share a bound of {@value #IN_FLIGHT} commands in flight
 * ({@link Limiter}), so thousands of channels caught up at once never crowd out the node's
 * publishes on the command connection.
 *
 * <p>Publications reach the listener only while the hub wants the channel (not while it lingers).
 * Thread-safe.
 */
final class Fanout {
    private static final Logger log = LoggerFactory.getLogger(Fanout.class);
    /** Publications per catch-up read. */
    static final int PAGE = 1000;
    /** Live publications a channel buffers during a catch-up; beyond it they are dropped and read again from history. */
    static final int BUFFER_MAX = 10_000;
    private static final long RETRY_MS = 200;
    /** Catch-up reads and top checks in flight at once on the command connection. */
    static final int IN_FLIGHT = 512;
    /**
     * The options of a catch-up read of a channel whose namespace options this node has not seen
     * yet: an age that trims nothing (the read script trims history older than the age it is given;
     * the channel's next publish sets the meta's expiry right again).
     */
    private static final NamespaceOptions UNKNOWN = NamespaceOptions.builder().historyAge(java.time.Duration.ofDays(366)).build();

    /** Reads a channel's history and top on the command connection. */
    interface Reader {
        /** Up to {@code limit} publications after {@code since}, with the stream's top. */
        CompletableFuture<HistoryResult> read(String channel, long since, int limit, NamespaceOptions options);

        /** The stream's top from its meta, without creating it: null when the meta is missing. */
        CompletableFuture<StreamPosition> top(String channel);
    }

    private final Processor[] processors;
    private final Reader reader;
    private final RedisBrokerStats stats;
    private final ScheduledExecutorService scheduler;
    private final long topCheckNanos;
    private final Limiter limiter = new Limiter(IN_FLIGHT);
    private volatile BrokerListener listener = new BrokerListener() {
        @Override
        public void onPublication(Publication publication) {
        }
    };
    /** Where pub/sub messages that are not publications go (presence events: {@link RedisPresence#received}). */
    private volatile BiConsumer<String, byte[]> events = (channel, message) -> { };
    /** Test hook: while set, processors wait for it before taking the next message. */
    private volatile CountDownLatch stall;

    Fanout(RedisBrokerConfig config, String threadPrefix, Reader reader, RedisBrokerStats stats,
           ScheduledExecutorService scheduler) {
        this.reader = reader;
        this.stats = stats;
        this.scheduler = scheduler;
        this.topCheckNanos = config.topCheckInterval().toNanos();
        this.processors = new Processor[config.processors()];
        for (int i = 0; i < processors.length; i++) {
            processors[i] = new Processor(threadPrefix + "-" + i, config.processorQueue());
        }
    }

    /** Starts the processors, delivering to {@code listener}, and the periodic top check of idle channels over {@code channels}. */
    void start(BrokerListener listener, Supplier<Collection<Channel>> channels) {
        this.listener = listener;
        for (Processor p : processors) {
            p.thread.start();
        }
        long period = Math.max(1, TimeUnit.NANOSECONDS.toMillis(topCheckNanos));
        scheduler.schedule(() -> topCheck(channels, period), jittered(period), TimeUnit.MILLISECONDS);
    }

    /**
     * Hands the channel's pub/sub messages that are not publications (not starting with {@code H},
     * see {@link Wire}) to {@code sink}, on the channel's processor thread, in order with its publications.
     */
    void events(BiConsumer<String, byte[]> sink) {
        this.events = sink;
    }

    /** Stops the processors; messages still queued are dropped. */
    void close() {
        for (Processor p : processors) {
            p.running = false;
            LockSupport.unpark(p.thread);
        }
    }

    /** The processor of a channel: hash(channel) mod K. */
    Processor processorOf(String channel) {
        return processors[Math.floorMod(channel.hashCode(), processors.length)];
    }

    /**
     * A pub/sub message on {@code channel}, from the reader's thread: queued on its processor, or,
     * when that queue is full, dropped with the channel marked for a catch-up. Never blocks.
     */
    void message(Channel channel, byte[] message) {
        Processor p = channel.processor;
        if (p.messages.offer(new Item(channel, message))) {
            p.wake();
            return;
        }
        stats.overflows.increment();
        if (channel.catchUpQueued.compareAndSet(false, true)) {
            p.submit(() -> {
                channel.catchUpQueued.set(false);
                catchUp(channel);
            });
        }
    }

    /**
     * Redis confirmed the channel's SUBSCRIBE: when its position is known (it was subscribed before
     * a reconnect, or before an UNSUBSCRIBE went out), its top is checked, and what was published
     * meanwhile is caught up (a cheap {@code HMGET} first, as most channels missed nothing).
     */
    void confirmed(Channel channel) {
        if (channel.epoch != null) {
            checkTop(channel);
        }
    }

    /**
     * A history read of the channel answered (on the command connection, whose replies come in the
     * order Redis ran the commands): a channel whose position is still unknown takes its top. Safe:
     * every read the hub made for a subscriber of the channel ran no later than this one, so what it
     * lacks is above this top and still arrives live.
     */
    void seen(Channel channel, StreamPosition top) {
        if (channel.epoch != null || channel.state != Channel.State.SUBSCRIBED) {
            return;
        }
        channel.processor.submit(() -> {
            if (channel.epoch == null && !channel.filling) {
                channel.epoch = top.epoch();
                channel.last = top.offset();
            }
        });
    }

    /** Test hook: processors stop taking messages until {@code until} counts down. */
    void stallForTest(CountDownLatch until) {
        this.stall = until;
    }

    // ---- on the channel's processor thread

    private void live(Channel ch, byte[] message) {
        if (message.length > 0 && message[0] != 'H') {
            events.accept(ch.name, message);
            return;
        }
        Publication p;
        try {
            p = Wire.message(ch.name, message);
        } catch (RuntimeException e) {
            log.warn("dropped a pub/sub message on {} that is not Herald's", ch.name, e);
            return;
        }
        ch.lastLiveNanos = System.nanoTime();
        if (ch.filling) {
            if (ch.buffer.size() >= BUFFER_MAX) {
                ch.buffer.clear();
                ch.again = true; // all of it is in history: read again once the read in flight is back
            }
            ch.buffer.addLast(p);
            return;
        }
        if (!handle(ch, p)) {
            ch.buffer.addLast(p);
            beginFill(ch);
        }
    }

    /**
     * Delivers or drops {@code p} against the channel's position; false when it is beyond a gap
     * that history may fill (nothing done then).
     */
    private boolean handle(Channel ch, Publication p) {
        if (ch.epoch == null || !p.epoch().equals(ch.epoch)) {
            if (ch.epoch != null) {
                stats.resets.increment(); // another epoch: the hub's subscriptions reset their clients
            }
            deliver(ch, p);
            return true;
        }
        if (p.offset() <= ch.last) {
            return true; // a duplicate
        }
        if (p.offset() == ch.last + 1) {
            deliver(ch, p);
            return true;
        }
        return false;
    }

    private void deliver(Channel ch, Publication p) {
        ch.epoch = p.epoch();
        ch.last = p.offset();
        if (ch.wanted && !ch.removed) {
            try {
                listener.onPublication(p);
            } catch (RuntimeException e) {
                log.warn("the listener failed on {} offset {}", ch.name, p.offset(), e);
            }
        }
    }

    /** Starts a catch-up from the channel's position, or asks the one in flight to read again. */
    private void catchUp(Channel ch) {
        if (ch.filling) {
            ch.again = true;
        } else if (ch.epoch != null && !ch.removed) {
            beginFill(ch);
        }
    }

    /** Starts a catch-up (counted), reading from the channel's position up to the stream's top. */
    private void beginFill(Channel ch) {
        stats.catchUps.increment();
        startFill(ch);
    }

    /** Reads the next page after the channel's position; the answer comes back to the processor. */
    private void startFill(Channel ch) {
        ch.filling = true;
        ch.again = false;
        String epoch = ch.epoch;
        long since = ch.last;
        NamespaceOptions options = ch.options;
        limiter.run(() -> reader.read(ch.name, since, PAGE, options != null ? options : UNKNOWN))
                .whenComplete((history, error) -> ch.processor.submit(() -> filled(ch, epoch, since, history, error)));
    }

    private void filled(Channel ch, String epoch, long since, HistoryResult history, Throwable error) {
        if (ch.removed) {
            ch.filling = false;
            ch.buffer.clear();
            return;
        }
        if (error != null) {
            log.debug("catch-up of {} failed; retrying", ch.name, error);
            scheduler.schedule(() -> ch.processor.submit(() -> {
                if (ch.removed) {
                    ch.filling = false;
                    ch.buffer.clear();
                } else {
                    startFill(ch);
                }
            }), RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        ch.filling = false;
        StreamPosition top = history.top();
        if (!top.epoch().equals(epoch) || !epoch.equals(ch.epoch)) {
            // The stream was flushed, restarted or fenced since our position: nothing to fill from.
            lost(ch, top);
            return;
        }
        List<Publication> page = history.publications();
        if (page.isEmpty() && top.offset() > ch.last) {
            lost(ch, top); // everything after our position was trimmed
            return;
        }
        for (Publication p : page) {
            if (p.offset() <= ch.last) {
                continue;
            }
            if (p.offset() > ch.last + 1) {
                stats.resets.increment(); // trimmed: the gap goes on, the hub's subscriptions reset their clients
            }
            deliver(ch, p);
        }
        if (ch.last < top.offset() || ch.again) {
            startFill(ch); // the next page, or a read after what may have been dropped meanwhile
            return;
        }
        drain(ch);
    }

    /** Delivers the buffered live publications after a catch-up, until the next gap. */
    private void drain(Channel ch) {
        while (!ch.buffer.isEmpty()) {
            if (!handle(ch, ch.buffer.peekFirst())) {
                beginFill(ch);
                return;
            }
            ch.buffer.pollFirst();
        }
    }

    /**
     * The channel's stream is not the one its position is in: the node's subscriptions are told
     * (they disconnect, their clients resume and get a reset), and the position restarts at
     * {@code top} (or unknown), keeping only buffered publications after it.
     */
    private void lost(Channel ch, StreamPosition top) {
        stats.resets.increment();
        ch.epoch = top == null ? null : top.epoch();
        ch.last = top == null ? 0 : top.offset();
        if (ch.wanted && !ch.removed) {
            try {
                listener.onStreamLost(ch.name);
            } catch (RuntimeException e) {
                log.warn("the listener failed on the loss of {}", ch.name, e);
            }
        }
        ch.buffer.removeIf(p -> top == null || !p.epoch().equals(top.epoch()) || p.offset() <= top.offset());
        drain(ch);
    }

    /**
     * The top check's answer for one channel, read while the channel's epoch was {@code asked}.
     * An answer that crossed a change of epoch (a publication of the new stream delivered live, a
     * loss) is stale and ignored: acting on it would reset the channel's subscribers a second time.
     */
    private void checked(Channel ch, StreamPosition top, String asked) {
        if (ch.filling || ch.removed || !java.util.Objects.equals(asked, ch.epoch)) {
            return;
        }
        if (ch.epoch == null) {
            if (top != null && ch.state == Channel.State.SUBSCRIBED) {
                ch.epoch = top.epoch();
                ch.last = top.offset();
            }
            return;
        }
        if (top == null || !top.epoch().equals(ch.epoch)) {
            lost(ch, null);
        } else if (top.offset() > ch.last) {
            beginFill(ch);
        }
    }

    // ---- the periodic top check, on the scheduler

    private void topCheck(Supplier<Collection<Channel>> channels, long periodMs) {
        try {
            long now = System.nanoTime();
            List<Channel> idle = new ArrayList<>();
            for (Channel ch : channels.get()) {
                if (ch.wanted && ch.state == Channel.State.SUBSCRIBED && !ch.filling && now - ch.lastLiveNanos >= topCheckNanos) {
                    idle.add(ch);
                }
            }
            // One HMGET per channel, pipelined, at most IN_FLIGHT at a time with the catch-ups.
            for (Channel ch : idle) {
                checkTop(ch);
            }
        } catch (RuntimeException e) {
            log.warn("top check failed", e);
        } finally {
            if (!scheduler.isShutdown()) {
                scheduler.schedule(() -> topCheck(channels, periodMs), jittered(periodMs), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Reads the channel's top and acts on it on its processor; nothing when a check of it is already queued. */
    private void checkTop(Channel ch) {
        if (!ch.checking.compareAndSet(false, true)) {
            return;
        }
        stats.topChecks.increment();
        String asked = ch.epoch;
        limiter.run(() -> reader.top(ch.name)).whenComplete((top, error) -> {
            ch.checking.set(false);
            if (error == null) {
                ch.processor.submit(() -> checked(ch, top, asked));
            } else if (ch.state == Channel.State.SUBSCRIBED) {
                // Redis is unreachable for now: the next top check (or a live gap) catches up
                log.debug("top check of {} failed", ch.name, error);
            }
        });
    }

    /** {@code periodMs} plus or minus a tenth, so the nodes' checks spread out. */
    private static long jittered(long periodMs) {
        long tenth = periodMs / 10;
        return periodMs - tenth + ThreadLocalRandom.current().nextLong(2 * tenth + 1);
    }

    /** A pub/sub message waiting for its processor. */
    private record Item(Channel channel, byte[] message) {
    }

    /**
     * One processor thread: a bounded queue of pub/sub messages and a queue of control tasks run
     * first (catch-up requests, answers of reads and top checks: bounded by the channels and the
     * reads in flight, each channel having at most one catch-up request queued and one read in
     * flight).
     */
    final class Processor implements Runnable {
        final Thread thread;
        final ArrayBlockingQueue<Item> messages;
        private final ConcurrentLinkedQueue<Runnable> control = new ConcurrentLinkedQueue<>();
        volatile boolean running = true;

        Processor(String name, int capacity) {
            this.messages = new ArrayBlockingQueue<>(capacity);
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        /** Runs {@code task} on this processor's thread. */
        void submit(Runnable task) {
            control.add(task);
            wake();
        }

        void wake() {
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            while (running) {
                Runnable task;
                while ((task = control.poll()) != null) {
                    run(task);
                }
                CountDownLatch hold = stall;
                if (hold != null) {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                Item item = messages.poll();
                if (item != null) {
                    if (!item.channel().removed) {
                        run(() -> live(item.channel(), item.message()));
                    }
                } else if (control.isEmpty()) {
                    LockSupport.park(this);
                }
            }
        }

        private void run(Runnable task) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("processor task failed", e);
            }
        }
    }
}
