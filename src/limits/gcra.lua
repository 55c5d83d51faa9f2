-- dxgate's shared limits: one atomic step on Redis for every replica (see src/limits.rs).
--
-- KEYS[1]  the consumer's harvest-block key: while it lives, the consumer is blocked.
-- KEYS[2]  the quota's key, holding its theoretical arrival time (TAT) in microseconds.
-- ARGV[1]  the quota's emission interval in microseconds (1 s / rate); 0: no quota to spend.
-- ARGV[2]  the quota's burst (requests allowed at once).
--
-- GCRA (the generic cell rate algorithm, as Envoy's and Kong's global limits and redis-cell
-- do) on Redis's own clock, so replicas' clocks never matter. Returns {1, 0} when admitted,
-- {0, µs until one more request is admitted} when over the quota, {2, ms of block left} when
-- the consumer is blocked.
local left = redis.call('PTTL', KEYS[1])
if left > 0 then
  return {2, left}
end
local interval = tonumber(ARGV[1])
if interval <= 0 then
  return {1, 0}
end
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[2]) or now)
if tat < now then
  tat = now
end
local next_tat = tat + interval
local allowed_at = next_tat - interval * burst
if allowed_at > now then
  return {0, allowed_at - now}
end
redis.call('SET', KEYS[2], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return {1, 0}
