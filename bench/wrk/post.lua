-- wrk script for publish throughput: POST a 64-byte text payload to the URL given to wrk, over
-- keep-alive connections, and print one JSON line with the totals when done (scripts/bench.sh).
--   wrk -t1 -c32 -d10s -s bench/wrk/post.lua 'http://127.0.0.1:18080/pub/wrk'
wrk.method = "POST"
wrk.body = string.rep("x", 64)
wrk.headers["Content-Type"] = "text/plain; charset=utf-8"

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"requests_per_s":%.1f,"non_2xx_3xx":%d,"socket_errors":%d,' ..
    '"latency_p50_ms":%.3f,"latency_p99_ms":%.3f,"latency_max_ms":%.3f}\n',
    summary.requests, seconds, summary.requests / seconds, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
