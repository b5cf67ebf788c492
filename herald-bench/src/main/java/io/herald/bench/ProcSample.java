package io.herald.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reading of a Linux process's CPU time and resident memory from {@code /proc}.
 *
 * @param userTicks   user-mode CPU time in clock ticks ({@code utime}, field 14 of {@code /proc/PID/stat})
 * @param systemTicks kernel-mode CPU time in clock ticks ({@code stime}, field 15)
 * @param rssBytes    resident set size in bytes ({@code VmRSS} of {@code /proc/PID/status}), or -1
 *                    when the line is missing (a zombie process)
 */
public record ProcSample(long userTicks, long systemTicks, long rssBytes) {
    private static final Logger log = LoggerFactory.getLogger(ProcSample.class);
    private static volatile long clockTicksPerSecond;

    /**
     * Reads the process {@code pid}.
     *
     * @param pid a process id, or {@code "self"}
     * @throws IllegalStateException when the process does not exist or {@code /proc} cannot be read
     */
    public static ProcSample read(String pid) {
        Path dir = Path.of("/proc", pid);
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII);
            String status = Files.readString(dir.resolve("status"), StandardCharsets.US_ASCII);
            long[] cpu = parseStat(stat);
            return new ProcSample(cpu[0], cpu[1], parseRssBytes(status));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + " (is the process running?): " + e, e);
        }
    }

    /**
     * Reads the process {@code pid} and all its descendants, summed: a server made of several
     * processes (nginx's master and worker, Pushpin's runner and its services) is one server. A
     * descendant that exits between the scan and its reading is left out.
     *
     * @param pid a process id
     * @throws IllegalStateException when the process {@code pid} does not exist
     */
    public static ProcSample readTree(String pid) {
        ProcSample total = read(pid);
        for (String child : descendants(pid)) {
            try {
                ProcSample s = read(child);
                total = new ProcSample(total.userTicks + s.userTicks, total.systemTicks + s.systemTicks,
                        total.rssBytes + Math.max(0, s.rssBytes));
            } catch (IllegalStateException gone) {
                log.debug("process {} ended while read: {}", child, gone.getMessage());
            }
        }
        return total;
    }

    /** The ids of every descendant of {@code pid}, from the parent ids in {@code /proc/N/stat}. */
    static java.util.List<String> descendants(String pid) {
        java.util.Map<String, java.util.List<String>> children = new java.util.HashMap<>();
        try (java.util.stream.Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            dirs.map(d -> d.getFileName().toString()).filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .forEach(n -> {
                        try {
                            String stat = Files.readString(Path.of("/proc", n, "stat"), StandardCharsets.US_ASCII);
                            children.computeIfAbsent(parentPid(stat), k -> new java.util.ArrayList<>()).add(n);
                        } catch (IOException | RuntimeException gone) {
                            // ended meanwhile, or not readable: not part of the tree we can measure
                        }
                    });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(children.getOrDefault(pid, java.util.List.of()));
        while (!todo.isEmpty() && out.size() < 10_000) {
            String next = todo.poll();
            out.add(next);
            todo.addAll(children.getOrDefault(next, java.util.List.of()));
        }
        return out;
    }

    /** The parent process id (field 4) from the text of {@code /proc/PID/stat}. */
    static String parentPid(String stat) {
        int close = stat.lastIndexOf(')');
        String[] rest = stat.substring(close + 1).trim().split(" +", 3);
        return rest[1];
    }

    /**
     * {@code utime} and {@code stime} from the text of {@code /proc/PID/stat}. The command name
     * (field 2) is in parentheses and may contain spaces and parentheses, so fields are counted
     * from the last {@code ')'}.
     *
     * @return {@code {utime, stime}} in clock ticks
     * @throws IllegalArgumentException when the text has not the expected shape
     */
    static long[] parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + abbreviate(stat));
        }
        String[] rest = stat.substring(close + 1).trim().split(" +");
        // rest[0] is field 3 (state); utime is field 14, stime field 15.
        if (rest.length < 13) {
            throw new IllegalArgumentException("too few fields in /proc/PID/stat: " + abbreviate(stat));
        }
        return new long[] {Long.parseLong(rest[11]), Long.parseLong(rest[12])};
    }

    /** {@code VmRSS} in bytes from the text of {@code /proc/PID/status}, or -1 when absent. */
    static long parseRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                long value = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
            }
        }
        return -1;
    }

    /** User CPU seconds between {@code before} and this sample. */
    public double userSecondsSince(ProcSample before) {
        return (userTicks - before.userTicks) / (double) clockTicksPerSecond();
    }

    /** System CPU seconds between {@code before} and this sample. */
    public double systemSecondsSince(ProcSample before) {
        return (systemTicks - before.systemTicks) / (double) clockTicksPerSecond();
    }

    /**
     * Clock ticks per second ({@code getconf CLK_TCK}), read once; 100 when {@code getconf}
     * cannot be run.
     */
    public static long clockTicksPerSecond() {
        long ticks = clockTicksPerSecond;
        if (ticks == 0) {
            ticks = readClockTicks();
            clockTicksPerSecond = ticks;
        }
        return ticks;
    }

    private static long readClockTicks() {
        try {
            Process process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("getconf did not finish in 5 s");
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            long ticks = Long.parseLong(out);
            if (ticks <= 0) {
                throw new IOException("getconf CLK_TCK said " + out);
            }
            return ticks;
        } catch (IOException | NumberFormatException e) {
            log.warn("cannot run getconf CLK_TCK ({}); assuming 100 ticks per second", e.toString());
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
