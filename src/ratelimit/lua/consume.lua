-- thv-proxy token buckets (SPEC §4): refill every bucket, then take one token from each or none.
-- Data layout is ToolHive's (pkg/ratelimit/internal/bucket): a hash per bucket with `tokens`
-- (decimal) and `last_refill` (microseconds of Redis TIME), so both share buckets on one Redis.
--
-- KEYS[1..N]          bucket keys
-- ARGV[1]             N
-- ARGV[2..N+1]        maxTokens of each bucket
-- ARGV[N+2..2N+1]     refill rate of each bucket, tokens per second
-- ARGV[2N+2..3N+1]    EXPIRE seconds of each bucket, ceil(2 * refillPeriod)
-- ARGV[3N+2]          "1" to append every bucket's tokens to the reply (dry-run), else absent
--
-- Reply: {rejectIndex, retryAfterSeconds[, tokens_1 .. tokens_N]}. rejectIndex is 0 when every
-- token was taken, else the 1-based index of the first bucket holding < 1 token; the state is
-- then written refilled but unconsumed. Tokens in the reply are strings: Redis truncates Lua
-- numbers to integers in replies.

local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local refilled = {}
local reject = 0
for i = 1, n do
  local cap = tonumber(ARGV[1 + i])
  local rate = tonumber(ARGV[1 + n + i])
  local data = redis.call('HMGET', KEYS[i], 'tokens', 'last_refill')
  local tokens = tonumber(data[1])
  local last = tonumber(data[2])
  if tokens == nil or last == nil then
    tokens = cap
  else
    -- Clamped: a replica whose TIME ran ahead must not make elapsed time negative.
    local elapsed = math.max(0, now - last) / 1000000
    tokens = math.min(cap, tokens + elapsed * rate)
  end
  refilled[i] = tokens
  if reject == 0 and tokens < 1 then reject = i end
end

local retry = 0
local take = 1
if reject ~= 0 then
  take = 0
  local rate = tonumber(ARGV[1 + n + reject])
  -- The 1e-9 absorbs float noise so that exactly 2 s does not round up to 3.
  retry = math.max(1, math.ceil((1 - refilled[reject]) / rate - 1e-9))
end

for i = 1, n do
  local tokens = refilled[i] - take
  refilled[i] = tokens
  -- The number is passed as is, like ToolHive does: Redis encodes it, so both write one format.
  redis.call('HSET', KEYS[i], 'tokens', tokens, 'last_refill', now)
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[1 + 2 * n + i]))
end

local reply = {reject, retry}
if ARGV[3 * n + 2] == '1' then
  for i = 1, n do reply[2 + i] = string.format('%.17g', refilled[i]) end
end
return reply
