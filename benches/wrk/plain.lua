-- The request given on wrk's command line (method, URL, -H headers), repeated as it is:
-- /healthz, and /auth/me with one token.
done = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
