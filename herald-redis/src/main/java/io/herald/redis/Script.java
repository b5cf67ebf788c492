package io.herald.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The two Lua scripts of the broker, each atomic per channel (both keys carry the channel's hash
 * tag): publish (epoch, offset, history append and trim, PUBLISH) and read (epoch, top, oldest, a
 * page of history). Run by EVALSHA, falling back to EVAL once when Redis answers NOSCRIPT (its
 * script cache is empty after a restart). Thread-safe.
 */
final class Script {
    /**
     * Shared by both scripts. {@code state} returns the channel's epoch and top, starting a new epoch
     * (and dropping the history) when the meta is missing (flushed, restarted without data, expired,
     * evicted) or was last written by another Redis process or another term of this one as master:
     * fencing, so offsets are never reused after Redis lost part of its data. The fence is the
     * master's {@code master_replid} (INFO replication), which Redis draws anew at every start
     * (with or without its data) and every promotion, so it also sees a master demoted and promoted
     * again without a restart, which kept its {@code run_id} and may have missed writes acknowledged
     * on the other master in between (docs/architecture.md, "Between nodes"). The caller passes the
     * fence it read when it opened the connection the script runs on ({@code run_id:master_replid},
     * bound to that connection: it can never reach another Redis process, and a role change closes
     * it), or an empty string when it does not own the connection (Redis Cluster through Lettuce's
     * cluster client, whose node connections Lettuce opens), and the script reads
     * {@code master_replid} with {@code INFO replication} (about 6 µs per call, less than
     * {@code INFO server}'s {@code run_id}: docs/benchmarks.md, "the cost of the fence on Redis
     * Cluster"). {@code trim_age} drops history entries whose time ({@code t}, ms) is
     * before {@code cutoff}; entries are in time order. It reads the oldest entry alone first and
     * returns when it is recent, the usual case on every publish: reading a page of 16 entries each
     * time cost Redis about 20 µs of CPU per publication (docs/benchmarks.md, "issue 11, the Redis broker").
     */
    private static final String COMMON = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function fence(given)
              if given ~= '' then return given end
              local info = redis.call('INFO', 'replication')
              return string.match(info, 'master_replid:(%x+)')
            end
            local function state(meta, stream, given_fence, new_epoch)
              local run_id = fence(given_fence)
              local m = redis.call('HMGET', meta, 'e', 'r', 's')
              if m[1] and m[2] == run_id then
                return m[1], tonumber(m[3])
              end
              redis.call('DEL', stream)
              redis.call('HSET', meta, 'e', new_epoch, 'r', run_id, 's', 0)
              return new_epoch, 0
            end
            local function offset_of(id)
              return tonumber(string.match(id, '^%d+'))
            end
            local function trim_age(stream, cutoff)
              local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
              if #first == 0 or tonumber(first[1][2][2]) >= cutoff then return end
              while true do
                local head = redis.call('XRANGE', stream, '-', '+', 'COUNT', 16)
                if #head == 0 then return end
                for i, entry in ipairs(head) do
                  if tonumber(entry[2][2]) >= cutoff then
                    if i > 1 then redis.call('XTRIM', stream, 'MINID', entry[1]) end
                    return
                  end
                end
                redis.call('XTRIM', stream, 'MINID', (offset_of(head[#head][1]) + 1) .. '-0')
              end
            end
            """;

    /**
     * KEYS meta, stream. ARGV fence (or empty), new epoch, history size, history age ms, meta TTL
     * ms, pub/sub channel, body, publish command ({@code PUBLISH}, the default when absent, or
     * {@code SPUBLISH} for a Redis Cluster's sharded pub/sub: the channel is in the keys' slot). Returns {offset, epoch, time
     * ms}. The PUBLISH is part of the script, so delivery order is offset order
     * (docs/architecture.md's broker contract).
     */
    static final Script PUBLISH = new Script("publish", COMMON + """
            local meta, stream, keyed = KEYS[1], KEYS[2], KEYS[3]
            if keyed then
              local earlier = redis.call('GET', keyed)
              if earlier then
                local top, epoch, time = string.match(earlier, '^(%d+) (%S+) (%d+)$')
                return {tonumber(top), epoch, tonumber(time)}
              end
            end
            local epoch = state(meta, stream, ARGV[1], ARGV[2])
            local size, age = tonumber(ARGV[3]), tonumber(ARGV[4])
            local top = redis.call('HINCRBY', meta, 's', 1)
            local now = now_ms()
            if size > 0 then
              redis.call('XADD', stream, 'MAXLEN', size, top .. '-0', 't', now, 'd', ARGV[7])
              trim_age(stream, now - age)
              redis.call('PEXPIRE', stream, age)
            else
              redis.call('DEL', stream)
            end
            redis.call('PEXPIRE', meta, ARGV[5])
            redis.call(ARGV[8] or 'PUBLISH', ARGV[6], 'H1 ' .. top .. ' ' .. epoch .. ' ' .. now .. '\\n' .. ARGV[7])
            if keyed then
              redis.call('SET', keyed, top .. ' ' .. epoch .. ' ' .. now, 'PX', ARGV[9])
            end
            return {top, epoch, now}
            """);

    /**
     * KEYS meta, stream. ARGV fence (or empty), new epoch, history age ms, meta TTL ms, since offset (-1 for
     * the latest), limit. Returns {epoch, top, oldest, then offset, time, body per publication in
     * offset order}.
     */
    static final Script HISTORY = new Script("history", COMMON + """
            local meta, stream = KEYS[1], KEYS[2]
            local epoch, top = state(meta, stream, ARGV[1], ARGV[2])
            local age, since, limit = tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])
            redis.call('PEXPIRE', meta, ARGV[4])
            trim_age(stream, now_ms() - age)
            local out = {epoch, top, top + 1}
            local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
            if #first > 0 then out[3] = offset_of(first[1][1]) end
            if limit > 0 then
              local entries
              if since < 0 then
                entries = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', limit)
                for i = #entries, 1, -1 do
                  local e = entries[i]
                  out[#out + 1] = offset_of(e[1]); out[#out + 1] = tonumber(e[2][2]); out[#out + 1] = e[2][4]
                end
              else
                entries = redis.call('XRANGE', stream, (since + 1) .. '-0', '+', 'COUNT', limit)
                for _, e in ipairs(entries) do
                  out[#out + 1] = offset_of(e[1]); out[#out + 1] = tonumber(e[2][2]); out[#out + 1] = e[2][4]
                end
              end
            end
            return out
            """);

    private final String name;
    private final byte[] text;
    private final String digest;

    Script(String name, String text) {
        this.name = name;
        this.text = text.getBytes(StandardCharsets.UTF_8);
        try {
            this.digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.text));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /**
     * Runs the script: EVALSHA, then EVAL once if Redis does not have it cached.
     *
     * @return the script's array reply: {@code Long} for integers, {@code byte[]} for strings
     */
    CompletableFuture<List<Object>> run(RedisScriptingAsyncCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
        return redis.<List<Object>>evalsha(digest, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .handle((reply, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(reply);
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof RedisNoScriptException) {
                        return redis.<List<Object>>eval(text, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
                    }
                    return CompletableFuture.<List<Object>>failedFuture(cause);
                })
                .thenCompose(f -> f);
    }

    @Override
    public String toString() {
        return "Script[" + name + " " + digest + "]";
    }
}
