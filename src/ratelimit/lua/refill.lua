-- Shared head of consume.lua and peek.lua: scripts.ts prepends it to both at load time, so a
-- dry-run reads the buckets with exactly the arithmetic that consumes them.
-- Data layout is ToolHive's (pkg/ratelimit/internal/bucket): a hash per bucket with `tokens`
-- (decimal) and `last_refill` (microseconds of Redis TIME), so both share buckets on one Redis.
--
-- KEYS[1..N]          bucket keys
-- ARGV[1]             N
-- ARGV[2..N+1]        maxTokens of each bucket
-- ARGV[N+2..2N+1]     refill rate of each bucket, tokens per second
-- (consume.lua reads further ARGV entries; see there)

-- Number conversions are most of what this script costs Redis (glibc's strtod and printf): our
-- own arguments are coerced with `+ 0` (one strtod; tonumber() runs two) and last_refill is
-- written as text, not as a number Redis would format with printf. Stored values stay read
-- with tonumber(): a hash another writer left unreadable counts as a full bucket, not an error.
local max, min = math.max, math.min
local n = ARGV[1] + 0
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]

-- Every bucket refilled to `now` (a missing key is full); `reject` is the 1-based index of the
-- first bucket holding < 1 token, 0 when none does.
local refilled = {}
local reject = 0
for i = 1, n do
  local cap = ARGV[1 + i] + 0
  local rate = ARGV[1 + n + i] + 0
  local data = redis.call('HMGET', KEYS[i], 'tokens', 'last_refill')
  local tokens = tonumber(data[1])
  local last = tonumber(data[2])
  if tokens == nil or last == nil then
    tokens = cap
  else
    -- Clamped: a replica whose TIME ran ahead must not make elapsed time negative.
    local elapsed = max(0, now - last) / 1000000
    tokens = min(cap, tokens + elapsed * rate)
  end
  refilled[i] = tokens
  if reject == 0 and tokens < 1 then reject = i end
end

-- Whole seconds until the rejecting bucket holds one token again (>= 1); 0 when none rejects.
-- The 1e-9 absorbs float noise so that exactly 2 s does not round up to 3.
local retry = 0
if reject ~= 0 then
  retry = max(1, math.ceil((1 - refilled[reject]) / (ARGV[1 + n + reject] + 0) - 1e-9))
end
