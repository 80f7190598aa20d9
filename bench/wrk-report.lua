-- wrk calls done() after its own summary: one JSON line that bench/throughput.py reads.
-- Latencies are in microseconds; errors count refused, broken and timed-out connections and statuses over 399.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "p50": %d, "p95": %d, "p99": %d, "bytes": %d}\n',
    summary.requests, summary.duration / 1e6,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.bytes
  ))
end
