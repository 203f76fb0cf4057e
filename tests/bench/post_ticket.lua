-- post_ticket.lua - the wrk script of `make bench` (tests/bench/run.sh).
-- Every request POSTs a new incident to /v1/tickets as a customer, on the
-- connections wrk keeps alive; impact and urgency are random (1-3).
-- Answers other than 201 are counted, and the first one is kept as a sample.
-- Environment (run.sh sets it; intake.pgbench gets the same values):
--   BENCH_KEY          the customer's API key
--   BENCH_SERVICE      the service id
--   BENCH_COMPONENT, BENCH_SUMMARY, BENCH_DESCRIPTION
--                      plain text that needs no JSON escaping
-- done() prints "bench NAME VALUE" lines, which run.sh reads.

local function env(name)
	local v = os.getenv(name)
	if v == nil or v == "" then
		error("post_ticket.lua: " .. name .. " is not set")
	end
	return v
end

local headers = {
	["Authorization"] = "Bearer " .. env("BENCH_KEY"),
	["Content-Type"] = "application/json",
}
local body_head = '{"service": "' .. env("BENCH_SERVICE") .. '", "type": "incident", ' ..
	'"component": "' .. env("BENCH_COMPONENT") .. '", ' ..
	'"summary": "' .. env("BENCH_SUMMARY") .. '", ' ..
	'"description": "' .. env("BENCH_DESCRIPTION") .. '", '

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	non201 = 0
	first_error = nil
end

function request()
	local body = body_head ..
		string.format('"impact": %d, "urgency": %d}', math.random(3), math.random(3))
	return wrk.format("POST", "/v1/tickets", headers, body)
end

function response(status, hdrs, body)
	if status ~= 201 then
		non201 = non201 + 1
		first_error = first_error or (status .. " " .. string.sub(body or "", 1, 200))
	end
end

function done(summary, latency, requests)
	local bad, sample = 0, nil
	for _, t in ipairs(threads) do
		bad = bad + t:get("non201")
		sample = sample or t:get("first_error")
	end
	local e = summary.errors
	io.write(string.format("bench requests %d\n", summary.requests))
	io.write(string.format("bench non201 %d\n", bad))
	io.write(string.format("bench socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
	io.write(string.format("bench p50_us %d\n", latency:percentile(50)))
	io.write(string.format("bench p99_us %d\n", latency:percentile(99)))
	if sample then
		io.write("bench first_error " .. (string.gsub(sample, "%s+", " ")) .. "\n")
	end
end
