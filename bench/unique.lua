-- wrk script for the "cache cold" scenarios: every request is a query the server has not seen.
--
-- Usage: wrk ... -s bench/unique.lua URL -- BASE_PATH SINCE_FIRST SPAN UNTIL_FIRST START [SINCE UNTIL]
--   BASE_PATH    the page, e.g. /v1/exchanges?limit=50
--   SINCE_FIRST  Unix time (UTC midnight) of the oldest event on that page
--   SPAN         how many `since` values to walk before moving `until` on (e.g. 10000)
--   UNTIL_FIRST  Unix time (UTC midnight) of the newest event in the dataset
--   START        the first request number (the warm-up uses another range than the run)
--   SINCE UNTIL  the names of the two date parameters (default since and until; Datasette
--                is asked the very same windows as date__gte and date__lte)
--
-- Request n asks for BASE_PATH&since=S&until=U with
--   S = SINCE_FIRST - (n % SPAN) days      (never after the page's oldest event)
--   U = UNTIL_FIRST + floor(n / SPAN) days (never before the newest event)
-- so every URL is distinct (a new cache key) while the answer holds the same 50 events as the
-- plain page: the server does the same work as for the page, without any cache to help it.
-- bench/run.py checks that with two of these URLs before it starts wrk.

local DAY = 86400
local base, since_first, span, until_first, since_name, until_name
local counter = 0
local threads = {}

function setup(thread)
  -- one disjoint range of request numbers per wrk thread (the benchmark uses -t1)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  base = args[1]
  since_first = tonumber(args[2])
  span = tonumber(args[3])
  until_first = tonumber(args[4])
  counter = tonumber(args[5] or "0") + (thread_index or 0) * 10000000
  since_name = args[6] or "since"
  until_name = args[7] or "until"
end

function request()
  local n = counter
  counter = counter + 1
  local since = os.date("!%Y-%m-%d", since_first - (n % span) * DAY)
  local till = os.date("!%Y-%m-%d", until_first + math.floor(n / span) * DAY)
  return wrk.format(nil, base .. "&" .. since_name .. "=" .. since .. "&" .. until_name .. "=" .. till)
end
