-- push.lua: the wrk script of bench/run.sh. It sends POST /bot/pnp/push
-- with a mix of recipients and counts the answers.
--
-- Settings come from the environment (run.sh sets them):
--   BENCH_HASHES   folder with agreed.txt, notset.txt, rejected.txt, unknown.txt
--   BENCH_TOKEN    the channel's access token
--   BENCH_MIX      percent delivered,held,refused,bad (default 70,20,8,2)
--   BENCH_RATE     requests per second for the whole run; 0 = as fast as
--                  the connections go (closed loop)
--   BENCH_THREADS  wrk's -t, to split BENCH_RATE between threads
--   BENCH_OUT      done() writes its JSON summary here
--   BENCH_KIND     flexible (POST /bot/pnp/push, the default) or template
--                  (POST /v2/bot/message/pnp/templated/push); run.sh picks
--                  the path, this script the body. 200 and 202 both count
--                  as accepted.
--
-- Every request carries X-Line-Delivery-Tag "b-<unix ns>-<thread>-<seq>"
-- taken in request(), which wrk calls right before it writes the request
-- and starts the latency clock; the webhook receiver reads the time back
-- from delivery.data.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local CLOCK_REALTIME = 0
local ts = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_REALTIME, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local function tag_now(my_id, seq)
  ffi.C.clock_gettime(CLOCK_REALTIME, ts)
  return string.format("b-%d%09d-%d-%d", tonumber(ts.tv_sec), tonumber(ts.tv_nsec), tid, seq)
end

local function env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

local function read_lines(path)
  local list = {}
  local f = io.open(path, "r")
  if f == nil then error("push.lua: cannot read " .. path) end
  for line in f:lines() do
    if line ~= "" then list[#list + 1] = line end
  end
  f:close()
  if #list == 0 then error("push.lua: " .. path .. " is empty") end
  return list
end

-- The main Lua state: number the threads and keep them for done().
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

-- Per thread from here on (each wrk thread has its own Lua state).
local lists = {}
local mix = {}
local headers = {}
local seq = 0
local my_id = 0 -- this thread's number, from setup()'s thread:set("tid")

-- Counters read back by done(); plain globals, as thread:get needs.
s200, s400, s401, s413, s415, s422, s429, s5xx, sother = 0, 0, 0, 0, 0, 0, 0, 0, 0
n_agreed, n_notset, n_rejected, n_unknown, n_bad = 0, 0, 0, 0, 0

function init(args)
  my_id = tonumber(_G.tid) or 0
  math.randomseed(1000003 * my_id + os.time())
  local dir = env("BENCH_HASHES", ".")
  for _, name in ipairs({ "agreed", "notset", "rejected", "unknown" }) do
    lists[name] = read_lines(dir .. "/" .. name .. ".txt")
  end

  local parts = {}
  for p in string.gmatch(env("BENCH_MIX", "70,20,8,2"), "[^,]+") do
    parts[#parts + 1] = tonumber(p)
  end
  local total = parts[1] + parts[2] + parts[3] + parts[4]
  mix.agreed = parts[1] / total
  mix.notset = mix.agreed + parts[2] / total
  mix.refused = mix.notset + parts[3] / total

  headers["Authorization"] = "Bearer " .. env("BENCH_TOKEN", "none")
  headers["Content-Type"] = "application/json"
end

local function pick(list)
  return list[math.random(#list)]
end

local texts = {
  "Your parcel ships today. Track it with order number 4711-0815.",
  "Your bill for November is ready: 3,280 yen, due on the 25th.",
  "Reminder: your appointment is tomorrow at 10:30.",
}

local template = env("BENCH_KIND", "flexible") == "template"

-- A template notification as a shop sends one: LINE's sample shipment with
-- an emphasized date, four items and two buttons.
local function template_for(to)
  return '{"to":"' .. to .. '","templateKey":"shipment_completed_ja","body":{' ..
      '"emphasizedItem":{"itemKey":"date_002_ja","content":"12月5日"},"items":[' ..
      '{"itemKey":"time_range_001_ja","content":"午前中"},' ..
      '{"itemKey":"number_001_ja","content":"4711-0815"},' ..
      '{"itemKey":"price_001_ja","content":"3,280円"},' ..
      '{"itemKey":"name_010_ja","content":"' .. texts[math.random(#texts)] .. '"}],' ..
      '"buttons":[{"buttonKey":"check_delivery_status_ja",' ..
      '"url":"https://example.com/track/4711-0815"},' ..
      '{"buttonKey":"contact_ja","url":"https://example.com/contact"}]}}'
end

local function body_for(to)
  if template then return template_for(to) end
  return '{"to":"' .. to .. '","messages":[{"type":"text","text":"' ..
      texts[math.random(#texts)] .. '"}]}'
end

function request()
  seq = seq + 1
  local r = math.random()
  local body
  if r < mix.agreed then
    n_agreed = n_agreed + 1
    body = body_for(pick(lists.agreed))
  elseif r < mix.notset then
    n_notset = n_notset + 1
    body = body_for(pick(lists.notset))
  elseif r < mix.refused then
    if seq % 2 == 0 then
      n_rejected = n_rejected + 1
      body = body_for(pick(lists.rejected))
    else
      n_unknown = n_unknown + 1
      body = body_for(pick(lists.unknown))
    end
  else
    n_bad = n_bad + 1
    if seq % 2 == 0 then
      -- JSON cut short: 400 "could not be parsed as JSON"
      body = '{"to":"' .. pick(lists.agreed) .. '","messages":[{"type":"text","text":"cut'
    else
      -- a malformed hash: 400 with a detail for "to"
      body = '{"to":"123","messages":[{"type":"text","text":"hi"}]}'
    end
  end
  headers["X-Line-Delivery-Tag"] = tag_now(my_id, seq)
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  if status == 200 or status == 202 then s200 = s200 + 1
  elseif status == 400 then s400 = s400 + 1
  elseif status == 401 then s401 = s401 + 1
  elseif status == 413 then s413 = s413 + 1
  elseif status == 415 then s415 = s415 + 1
  elseif status == 422 then s422 = s422 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status >= 500 then s5xx = s5xx + 1
  else sother = sother + 1 end
end

-- Constant rate: each thread hands out send slots interval_ms apart on the
-- wall clock; a connection ready to send waits for the next free slot.
-- A slot is never made up for later, so a server that falls behind shows
-- as a lower achieved rate, which run.sh reports beside the target.
local rate = tonumber(env("BENCH_RATE", "0")) or 0
if rate > 0 then
  local interval_ms = 1000 * (tonumber(env("BENCH_THREADS", "1")) or 1) / rate
  local next_slot = 0

  function delay()
    local now = now_ms()
    local slot = next_slot
    if slot < now then slot = now end
    next_slot = slot + interval_ms
    return math.floor(slot - now)
  end
end

local function json_num(v)
  if v ~= v or v == math.huge then return "0" end
  return string.format("%.3f", v)
end

function done(summary, latency, requests)
  local c = {}
  local names = { "s200", "s400", "s401", "s413", "s415", "s422", "s429", "s5xx", "sother",
    "n_agreed", "n_notset", "n_rejected", "n_unknown", "n_bad" }
  for _, name in ipairs(names) do c[name] = 0 end
  for _, t in ipairs(threads) do
    for _, name in ipairs(names) do c[name] = c[name] + (tonumber(t:get(name)) or 0) end
  end

  local secs = summary.duration / 1e6
  local e = summary.errors
  local out = string.format(
    '{"durationS":%s,"requests":%d,"rps":%s,"acceptedPerS":%s,"rateTarget":%s,' ..
    '"latencyUs":{"p50":%s,"p90":%s,"p99":%s,"p999":%s,"max":%s,"mean":%s,"stdev":%s},' ..
    '"status":{"200":%d,"400":%d,"401":%d,"413":%d,"415":%d,"422":%d,"429":%d,"5xx":%d,"other":%d},' ..
    '"sent":{"agreed":%d,"notset":%d,"rejected":%d,"unknown":%d,"bad":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}',
    json_num(secs), summary.requests, json_num(summary.requests / secs),
    json_num(c.s200 / secs), json_num(rate),
    json_num(latency:percentile(50)), json_num(latency:percentile(90)),
    json_num(latency:percentile(99)), json_num(latency:percentile(99.9)),
    json_num(latency.max), json_num(latency.mean), json_num(latency.stdev),
    c.s200, c.s400, c.s401, c.s413, c.s415, c.s422, c.s429, c.s5xx, c.sother,
    c.n_agreed, c.n_notset, c.n_rejected, c.n_unknown, c.n_bad,
    e.connect, e.read, e.write, e.status, e.timeout)

  io.write(string.format(
    "push.lua: %d requests in %.1f s = %.0f/s; 200 %d, 400 %d, 422 %d, other %d; " ..
    "p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms\n",
    summary.requests, secs, summary.requests / secs, c.s200, c.s400, c.s422,
    summary.requests - c.s200 - c.s400 - c.s422,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000))

  local path = env("BENCH_OUT", "")
  if path ~= "" then
    local f = assert(io.open(path, "w"))
    f:write(out, "\n")
    f:close()
  end
end
