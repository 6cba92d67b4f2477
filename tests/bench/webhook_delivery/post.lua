-- wrk script: POST a webhook-shaped request (the same body size and headers
-- usd1pay sends) to the receiver. The body comes from WEBHOOK_BODY_FILE.
local f = assert(io.open(os.getenv("WEBHOOK_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["webhook-id"] = "msg_2dFq7Lx9KpW3mZb8Rt5Yc1"
wrk.headers["webhook-timestamp"] = "1777636800"
wrk.headers["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
