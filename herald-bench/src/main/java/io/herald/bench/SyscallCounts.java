package io.herald.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The system calls a server made in the measured window ({@link SyscallCounter}), or why they were
 * not counted. Part of {@link LoadReport} as its {@code syscalls} object; the per-delivery figures
 * are {@link LoadReport}'s. Immutable.
 *
 * @param note   null when counted; otherwise "not counted: " and the reason
 * @param counts system call name ({@code writev}, {@code epoll_wait}...) to the number of calls in
 *               the window, over every thread of the server's processes; empty when not counted
 */
public record SyscallCounts(String note, Map<String, Long> counts) {
    /** The key of every system call together ({@code raw_syscalls:sys_enter}). */
    public static final String ALL = "all";
    /** The calls that send: {@code write}, {@code writev}, {@code sendto}, {@code sendmsg}. */
    public static final List<String> WRITES = List.of("write", "writev", "sendto", "sendmsg");
    /** The calls that receive: {@code read}, {@code readv}, {@code recvfrom}, {@code recvmsg}. */
    public static final List<String> READS = List.of("read", "readv", "recvfrom", "recvmsg");
    /** The readiness waits: {@code epoll_wait}, {@code epoll_pwait}, {@code epoll_pwait2}. */
    public static final List<String> EPOLL_WAITS = List.of("epoll_wait", "epoll_pwait", "epoll_pwait2");
    /** {@code futex}: a lock or condition wait or wake that went to the kernel. */
    public static final List<String> FUTEX = List.of("futex");

    /** Copies the map (keeping its order); null is read as empty (an old or partial line). */
    public SyscallCounts {
        counts = counts == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /** Counted: {@code counts} by system call name. */
    public static SyscallCounts counted(Map<String, Long> counts) {
        return new SyscallCounts(null, counts);
    }

    /** Not counted, for the reason {@code note} ("not counted: ..."). */
    public static SyscallCounts notCounted(String note) {
        return new SyscallCounts(note, Map.of());
    }

    /** Whether the window's system calls were counted. */
    @JsonIgnore
    public boolean isCounted() {
        return note == null && !counts.isEmpty();
    }

    /** The calls among {@code names} summed, or null when not counted. */
    public Long sum(List<String> names) {
        if (!isCounted()) {
            return null;
        }
        return names.stream().mapToLong(n -> counts.getOrDefault(n, 0L)).sum();
    }
}
