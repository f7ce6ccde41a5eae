-- GET PATH with each token of FILE in turn (one a line): the distinct-token figure.
-- Arguments after `--`: FILE PATH. Requests are formatted once, at start, so that wrk's
-- own cost per request stays that of a static request.
done = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local requests, next_one = {}, 1

function init(args)
  for token in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("GET", args[2], { Authorization = "Bearer " .. token })
  end
  assert(#requests > 0, "no token in " .. args[1])
end

function request()
  local r = requests[next_one]
  next_one = next_one % #requests + 1
  return r
end
