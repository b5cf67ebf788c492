package io.herald.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the system calls a server process makes in the measured window with
 * {@code perf stat -e syscalls:sys_enter_... -p PID,... -x,} (the kernel's syscall tracepoints,
 * counted in the kernel: nothing is sampled or copied to user space).
 *
 * <p>Lifecycle: {@link #start} launches {@code perf stat} with its events disabled ({@code -D -1})
 * and a control FIFO ({@code --control fifo:CTL,ACK}, perf 5.9 or later), so that attaching to the
 * server's threads happens before the window and costs the window nothing; {@link #enable()} and
 * {@link #disable()} switch counting on and off and wait for perf's acknowledgement, so the counts
 * cover exactly the window; {@link #finish()} stops perf with {@code SIGINT} (on which it writes
 * its CSV; {@code SIGTERM} would lose it) and parses the CSV ({@link #parse}).
 *
 * <p>Counting is optional and never fails a run: every failure (no perf, no permission to attach or
 * to read the tracepoints, a perf without {@code --control}, perf exiting early) ends in a
 * {@link SyscallCounts} whose {@link SyscallCounts#note() note} says why nothing was counted. On
 * Linux, {@code syscalls:*} tracepoints need access to tracefs ({@code /sys/kernel/tracing}, mode
 * 0700, so root or {@code CAP_PERFMON} with tracefs opened up): as an unprivileged user with
 * {@code perf_event_paranoid} 2 perf cannot resolve them and the report says so.
 *
 * <p>The tracepoint hooks add a little to the server's system time while counting (docs/benchmarks.md,
 * "the whole cost per delivery"). Not thread-safe: one thread drives it.
 */
public final class SyscallCounter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyscallCounter.class);
    private static final long ANSWER_TIMEOUT_MS = 5000;
    /** Written to the acknowledgement FIFO by {@link #finish()} to end the thread reading it. */
    private static final String END = "end-of-answers";

    /**
     * The system calls counted, by tracepoint name without {@code sys_enter_}: writes, reads, waits
     * for readiness and futex (lock and condition waits and wakes) of a network server. Every system
     * call together is counted too, as {@link SyscallCounts#ALL} ({@code raw_syscalls:sys_enter}).
     */
    public static final List<String> EVENTS = List.of("write", "writev", "sendto", "sendmsg", "read", "readv",
            "recvfrom", "recvmsg", "epoll_wait", "epoll_pwait", "epoll_pwait2", "futex");

    /** Whether to count ({@code --syscalls}). */
    public enum Mode {
        /** Count when perf exists and can attach; otherwise the report says why not. */
        AUTO,
        /** As {@link #AUTO}, but a failure to count is logged as a warning. */
        ON,
        /** Do not count. */
        OFF
    }

    private final Mode mode;
    private final Process perf;
    private final Path dir;
    private final Path output;
    private final Path errors;
    private final List<String> events;
    private RandomAccessFile control;
    private RandomAccessFile ack;
    private String failure;
    private boolean enabled;
    private final java.util.concurrent.BlockingQueue<String> answers = new java.util.concurrent.LinkedBlockingQueue<>();

    private SyscallCounter(Mode mode, Process perf, Path dir, List<String> events, String failure) {
        this.mode = mode;
        this.perf = perf;
        this.dir = dir;
        this.output = dir == null ? null : dir.resolve("perf-stat.csv");
        this.errors = dir == null ? null : dir.resolve("perf-stat.err");
        this.events = events;
        this.failure = failure;
    }

    /**
     * Starts {@code perf stat}, events disabled, on the processes {@code pids} (every thread of
     * each). Returns at once; perf attaches in the background. Never throws: a counter that could
     * not start reports why from {@link #finish()}.
     *
     * @param mode whether to count
     * @param pids the server's process and its descendants (e.g. nginx's master and worker); empty
     *             when no server process is known
     */
    public static SyscallCounter start(Mode mode, List<String> pids) {
        if (mode == Mode.OFF) {
            return new SyscallCounter(mode, null, null, List.of(), "not counted: --syscalls off");
        }
        if (pids.isEmpty()) {
            return new SyscallCounter(mode, null, null, List.of(), "not counted: no --server-pid");
        }
        String perfPath = onPath("perf");
        if (perfPath == null) {
            return failed(mode, "not counted: perf is not installed (Debian: apt-get install linux-perf)");
        }
        List<String> events = availableEvents();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("herald-bench-perf");
            Path ctl = dir.resolve("ctl");
            Path ackFifo = dir.resolve("ack");
            run("mkfifo", ctl.toString(), ackFifo.toString());
            List<String> command = new ArrayList<>(List.of(perfPath, "stat", "-x,", "--no-big-num", "-D", "-1",
                    "--control", "fifo:" + ctl + "," + ackFifo, "-o", dir.resolve("perf-stat.csv").toString(),
                    "-e", "raw_syscalls:sys_enter," + String.join(",", events.stream().map(e -> "syscalls:sys_enter_" + e).toList()),
                    "-p", String.join(",", pids)));
            Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(dir.resolve("perf-stat.err").toFile()).start();
            SyscallCounter counter = new SyscallCounter(mode, process, dir, events, null);
            // Read-write opens of a FIFO do not wait for the other end (Linux), so a perf that never
            // opens them (it failed) cannot hang the run; the answers are awaited with a timeout.
            counter.control = new RandomAccessFile(ctl.toFile(), "rw");
            counter.ack = new RandomAccessFile(ackFifo.toFile(), "rw");
            Thread reader = new Thread(counter::readAnswers, "perf-stat-answers");
            reader.setDaemon(true);
            reader.start();
            log.info("counting system calls of {} with perf stat ({} events)", pids, events.size());
            return counter;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            return failed(mode, "not counted: cannot start perf: " + e.getMessage());
        }
    }

    private static SyscallCounter failed(Mode mode, String why) {
        SyscallCounter counter = new SyscallCounter(mode, null, null, List.of(), why);
        counter.logFailure();
        return counter;
    }

    private void logFailure() {
        if (mode == Mode.ON) {
            log.warn("system calls {}", failure);
        } else {
            log.info("system calls {}", failure);
        }
    }

    /** Starts counting (the window opens); waits for perf's acknowledgement, at most 5 s. */
    public void enable() {
        enabled = command("enable");
    }

    /** Stops counting (the window closes); waits for perf's acknowledgement, at most 5 s. */
    public void disable() {
        if (enabled) {
            command("disable");
        }
    }

    private boolean command(String what) {
        if (failure != null) {
            return false;
        }
        try {
            control.write((what + "\n").getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_TIMEOUT_MS);
            String line = null;
            while (line == null && System.nanoTime() < deadline) {
                line = answers.poll(50, TimeUnit.MILLISECONDS);
                if (line == null && !perf.isAlive()) {
                    fail("not counted: perf exited (" + perf.exitValue() + "): " + perfErrors());
                    return false;
                }
            }
            if (line == null) {
                fail("not counted: perf did not answer " + what + " in 5 s");
                return false;
            }
            if (!line.trim().equals("ack")) {
                fail("not counted: perf answered '" + line + "' to " + what);
                return false;
            }
            return true;
        } catch (IOException e) {
            fail("not counted: cannot talk to perf: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("not counted: interrupted");
            return false;
        }
    }

    /** Reads perf's acknowledgements into {@link #answers} until {@link #END} (written by {@link #finish()}). */
    private void readAnswers() {
        try {
            String line;
            while ((line = ack.readLine()) != null && !line.equals(END)) {
                answers.add(line);
            }
        } catch (IOException closed) {
            // finish() closed the FIFO
        }
    }

    private void fail(String why) {
        if (failure == null) {
            failure = why;
            logFailure();
        }
    }

    /**
     * Stops perf and returns what it counted, or why nothing was. Never throws; call once, after
     * {@link #disable()}.
     */
    public SyscallCounts finish() {
        try {
            if (perf == null) {
                return SyscallCounts.notCounted(failure);
            }
            if (perf.isAlive()) {
                run("kill", "-INT", Long.toString(perf.pid()));
            }
            if (!perf.waitFor(ANSWER_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                perf.destroyForcibly();
                fail("not counted: perf did not stop in 5 s");
            }
            if (failure != null) {
                return SyscallCounts.notCounted(failure);
            }
            String csv = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            Map<String, Long> counts = parse(csv);
            if (counts.isEmpty()) {
                fail("not counted: perf wrote no counts: " + perfErrors());
                return SyscallCounts.notCounted(failure);
            }
            return SyscallCounts.counted(counts);
        } catch (IOException | RuntimeException e) {
            fail("not counted: " + e);
            return SyscallCounts.notCounted(failure);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            perf.destroyForcibly();
            return SyscallCounts.notCounted("not counted: interrupted");
        } finally {
            release();
        }
    }

    /** Ends the answer reader, closes the FIFOs and deletes the files; idempotent. */
    private void release() {
        if (ack != null) {
            try {
                ack.write((END + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                log.debug("cannot end the answer reader: {}", e.toString());
            }
        }
        closeQuietly(control);
        closeQuietly(ack);
        control = null;
        ack = null;
        deleteQuietly(dir);
    }

    /** Ends perf if it still runs (a run that failed before {@link #finish()}); idempotent. */
    @Override
    public void close() {
        if (perf != null && perf.isAlive()) {
            perf.destroyForcibly();
        }
        release();
    }

    /**
     * The counts in {@code perf stat -x,} output: one line per event, {@code VALUE,UNIT,EVENT,RUN_NS,
     * PERCENT,...}; comment lines ({@code #}), blank lines and perf's control messages ("Events
     * enabled") are skipped. {@code <not counted>} (the task never ran while counting was on) is 0;
     * {@code <not supported>} leaves the event out. Keys are the system call names
     * ({@code syscalls:sys_enter_writev} gives {@code writev}; {@code raw_syscalls:sys_enter}, every
     * system call, gives {@link SyscallCounts#ALL}), in the order perf printed them.
     *
     * @param csv what perf wrote
     * @return counts by system call name; empty when there are none
     */
    static Map<String, Long> parse(String csv) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String line : csv.split("\n")) {
            String[] fields = line.trim().split(",", -1);
            if (line.startsWith("#") || fields.length < 3) {
                continue;
            }
            String event = fields[2];
            int colon = event.lastIndexOf(':');
            String name = colon < 0 ? event : event.substring(colon + 1);
            if (event.equals("raw_syscalls:sys_enter")) {
                name = SyscallCounts.ALL;
            } else if (name.startsWith("sys_enter_")) {
                name = name.substring("sys_enter_".length());
            }
            String value = fields[0].trim();
            if (value.equals("<not counted>")) {
                counts.merge(name, 0L, Long::sum);
            } else if (!value.equals("<not supported>")) {
                try {
                    counts.merge(name, (long) Double.parseDouble(value), Long::sum);
                } catch (NumberFormatException notACount) {
                    log.debug("perf stat line skipped: {}", line);
                }
            }
        }
        return counts;
    }

    /**
     * The {@link #EVENTS} this kernel has tracepoints for, when tracefs can be read; all of them
     * otherwise (perf then says which it cannot resolve).
     */
    static List<String> availableEvents() {
        for (String root : List.of("/sys/kernel/tracing/events/syscalls", "/sys/kernel/debug/tracing/events/syscalls")) {
            Path dir = Path.of(root);
            if (Files.isDirectory(dir) && Files.isReadable(dir)) {
                List<String> present = EVENTS.stream().filter(e -> Files.isDirectory(dir.resolve("sys_enter_" + e))).toList();
                return present.isEmpty() ? EVENTS : present;
            }
        }
        return EVENTS;
    }

    private String perfErrors() {
        try {
            String text = errors == null || !Files.exists(errors) ? "" : Files.readString(errors, StandardCharsets.UTF_8);
            String oneLine = text.strip().replaceAll("\\s*\n\\s*", " / ");
            return oneLine.isEmpty() ? "(no message)" : oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
        } catch (IOException e) {
            return "(cannot read its messages: " + e.getMessage() + ")";
        }
    }

    /** The absolute path of {@code program} on {@code PATH}, or null. */
    static String onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command[0] + " did not finish in 5 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void closeQuietly(RandomAccessFile f) {
        if (f != null) {
            try {
                f.close();
            } catch (IOException ignored) {
                // a FIFO being closed: nothing to lose
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.debug("cannot delete {}: {}", dir, e.toString());
        }
    }

    /** For logs. */
    @Override
    public String toString() {
        return "SyscallCounter[" + mode.name().toLowerCase(Locale.ROOT) + ", " + (failure == null ? events : failure) + "]";
    }
}
