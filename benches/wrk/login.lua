-- POST /auth/login with one account's email and password. Arguments after `--`: EMAIL
-- PASSWORD. The throttle counts failures only, and the bench turns the per-IP rate off.
done = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

function init(args)
  wrk.method = "POST"
  wrk.path = "/auth/login"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"email":"%s","password":"%s"}', args[1], args[2])
end
