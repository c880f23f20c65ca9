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
