-- thv-proxy token buckets (SPEC §4), after refill.lua: take one token from each bucket, or
-- none from any when one holds < 1 token (its state is then written refilled but unconsumed).
--
-- ARGV[2N+2..3N+1]    EXPIRE seconds of each bucket, ceil(2 * refillPeriod)
-- ARGV[3N+2]          "1" to append every bucket's tokens to the reply (dry-run), else absent
--
-- Reply: {rejectIndex, retryAfterSeconds[, tokens_1 .. tokens_N]}. Tokens in the reply are
-- strings: Redis truncates Lua numbers to integers in replies.

local take = 1
if reject ~= 0 then take = 0 end

-- `now` as text, exactly as Redis writes the number (%.17g of an integer below 2^53): the
-- seconds, then the microseconds zero-padded to six digits.
local nowText = t[1] .. string.sub('00000' .. t[2], -6)
local floor = math.floor

for i = 1, n do
  local tokens = refilled[i] - take
  refilled[i] = tokens
  -- A fraction is passed as a number, like ToolHive does: Redis encodes it, so both write one
  -- format. A whole number (every bucket refilled to its cap is one) is the same digits as
  -- integer text, which costs Redis no float formatting.
  local text = tokens
  if tokens > 0 and tokens < 1e15 and tokens == floor(tokens) then text = string.format('%d', tokens) end
  redis.call('HSET', KEYS[i], 'tokens', text, 'last_refill', nowText)
  -- The TTL argument goes back to Redis as the text it came as.
  redis.call('EXPIRE', KEYS[i], ARGV[1 + 2 * n + i])
end

local reply = {reject, retry}
if ARGV[3 * n + 2] == '1' then
  for i = 1, n do reply[2 + i] = string.format('%.17g', refilled[i]) end
end
return reply
