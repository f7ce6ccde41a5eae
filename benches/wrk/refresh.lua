-- POST /auth/refresh, each refresh token used once: the thread keeps a queue of live
-- tokens, seeded from FILE (one a line, more than the connections), and each answer's new
-- refresh token joins its end. wrk calls response() then request() on the same
-- connection, so the queue never runs dry while refreshes succeed. Arguments: FILE.
done = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local queue, head, tail = {}, 1, 0
local last

function init(args)
  for token in io.lines(args[1]) do
    tail = tail + 1
    queue[tail] = token
  end
  assert(tail > 0, "no token in " .. args[1])
end

function request()
  if head <= tail then
    last = queue[head]
    queue[head] = nil
    head = head + 1
  end
  -- An empty queue (refreshes failed) re-sends the last token: a 401, counted as an error.
  return wrk.format("POST", "/auth/refresh", { ["Content-Type"] = "application/json" },
    '{"refresh_token":"' .. last .. '"}')
end

function response(status, headers, body)
  local token = body:match('"refresh_token":"([^"]+)"')
  if status == 200 and token then
    tail = tail + 1
    queue[tail] = token
  end
end
