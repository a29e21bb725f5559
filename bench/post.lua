-- wrk: POST the echo payload to /run.
wrk.method = "POST"
wrk.body = '{"msg":"hello"}'
wrk.headers["Content-Type"] = "application/json"
