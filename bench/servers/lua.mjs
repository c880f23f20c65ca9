// Copied from ../shared/bench-anchors/lua.mjs: the multi-key token-bucket script (SPEC §4
// semantics) that the P1 baseline runs with one EVALSHA per tools/call.
export const SCRIPT = `
local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local refilled = {}
local reject = 0
for i = 1, n do
  local maxT = tonumber(ARGV[1 + i])
  local rate = tonumber(ARGV[1 + n + i])
  local d = redis.call('HMGET', KEYS[i], 'tokens', 'last_refill')
  local tok = tonumber(d[1])
  local last = tonumber(d[2])
  if tok == nil then refilled[i] = maxT
  else
    local el = math.max(0, (now - last) / 1000000)
    refilled[i] = math.min(maxT, tok + el * rate)
  end
  if refilled[i] < 1 and reject == 0 then reject = i end
end
local take = 1
if reject ~= 0 then take = 0 end
for i = 1, n do
  redis.call('HSET', KEYS[i], 'tokens', refilled[i] - take, 'last_refill', now)
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[1 + 2 * n + i]))
end
return reject
`;
