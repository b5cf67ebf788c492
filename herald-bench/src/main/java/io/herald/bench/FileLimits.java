package io.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * This process's open-file limit and use, from {@code /proc/self}, so that a run that needs more
 * sockets than allowed fails at once with a clear message instead of midway. Stateless.
 */
public final class FileLimits {
    /** File descriptors kept free for the JVM, event loops, logs and the publisher. */
    static final int RESERVE = 64;

    private FileLimits() {
    }

    /** The soft {@code Max open files} limit, or {@code Long.MAX_VALUE} when unknown or unlimited. */
    public static long softLimit() {
        try {
            return parseSoftLimit(Files.readString(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** File descriptors open now, or 0 when unknown. */
    public static long openNow() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Checks that {@code more} sockets fit under the limit, with {@link #RESERVE} to spare.
     *
     * @throws BenchException naming the need, the limit and the remedy
     */
    public static void checkRoomFor(long more) {
        long limit = softLimit();
        long open = openNow();
        if (limit != Long.MAX_VALUE && open + more + RESERVE > limit) {
            throw new BenchException("need " + more + " more sockets but the open-file limit is " + limit + " ("
                    + open + " open, " + RESERVE + " kept in reserve): at most " + Math.max(0, limit - open - RESERVE)
                    + " connections fit in one process; run several load generators or raise `ulimit -n`");
        }
    }

    /** Whether {@code error} or one of its causes is the "too many open files" error (EMFILE/ENFILE). */
    public static boolean isFileLimit(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && (message.contains("Too many open files") || message.contains("EMFILE")
                    || message.contains("ENFILE"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    static long parseSoftLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                return parts[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(parts[0]);
            }
        }
        return Long.MAX_VALUE;
    }
}
