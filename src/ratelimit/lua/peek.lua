-- Dry-run twin of consume.lua (same ARGV layout, minus the state flag): computes every bucket's
-- refilled state exactly as consume.lua does and writes NOTHING.
--
-- Reply: {rejectIndex, retryAfterSeconds, tokens_1 .. tokens_N} (tokens as strings).

local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local reply = {0, 0}
for i = 1, n do
  local cap = tonumber(ARGV[1 + i])
  local rate = tonumber(ARGV[1 + n + i])
  local data = redis.call('HMGET', KEYS[i], 'tokens', 'last_refill')
  local tokens = tonumber(data[1])
  local last = tonumber(data[2])
  if tokens == nil or last == nil then
    tokens = cap
  else
    local elapsed = math.max(0, now - last) / 1000000
    tokens = math.min(cap, tokens + elapsed * rate)
  end
  if reply[1] == 0 and tokens < 1 then
    reply[1] = i
    reply[2] = math.max(1, math.ceil((1 - tokens) / rate - 1e-9))
  end
  reply[2 + i] = string.format('%.17g', tokens)
end
return reply
