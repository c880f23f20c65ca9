-- Dry-run twin of consume.lua, after refill.lua: reports every bucket's refilled state and
-- writes NOTHING.
--
-- Reply: {rejectIndex, retryAfterSeconds, tokens_1 .. tokens_N} (tokens as strings).

local reply = {reject, retry}
for i = 1, n do reply[2 + i] = string.format('%.17g', refilled[i]) end
return reply
