"""The Python side of crates/keystoneauth/examples/nginx_bench.rs: against
the nginx of scripts/bench-nginx, bare `requests.Session` versus a
keystoneauth1 Session with token_endpoint.Token and an Adapter on a Session
with v3.Password (token cached after the first request). Client CPU is this
thread's (time.thread_time_ns); rounds interleave the variants in rotating
order after a warm-up. Prints a markdown table; BENCH_JSON names a file for
the summary, BENCH_CSV one for every round. Same environment as the Rust
bench."""
import json
import os
import time

from keystoneauth1 import adapter, session, token_endpoint
from keystoneauth1.identity import v3
import requests

BASE = os.environ.get("BENCH_BASE", "http://127.0.0.1:8790")
TOKEN = os.environ.get("BENCH_TOKEN", "gAAAAABbenchNginxTokenForIssue15")
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "100")))
REQUESTS = max(1, int(os.environ.get("BENCH_REQUESTS", "200")))


def bare_client():
    s = requests.Session()
    url = BASE + "/v2.1/servers"
    headers = {"X-Auth-Token": TOKEN}
    return lambda: s.get(url, headers=headers, allow_redirects=False)


def session_client():
    s = session.Session(auth=token_endpoint.Token(BASE + "/v2.1", TOKEN))
    return lambda: s.get("/servers", endpoint_filter={"service_type": "compute"})


def adapter_client():
    auth = v3.Password(auth_url=BASE + "/v3", username="bench", password="bench",
                       project_name="bench", user_domain_name="Default",
                       project_domain_name="Default")
    a = adapter.Adapter(session.Session(auth=auth), service_type="compute")
    return lambda: a.get("/servers")


CLIENTS = [
    ("bare", "requests.Session", bare_client()),
    ("session", "keystoneauth1 Session + token_endpoint.Token", session_client()),
    ("adapter", "keystoneauth1 Adapter + v3.Password (token cached)", adapter_client()),
]
only = os.environ.get("BENCH_ONLY")
if only:
    CLIENTS = [c for c in CLIENTS if c[0] == only]


def run(send):
    for _ in range(REQUESTS):
        r = send()
        if r.status_code != 200:
            raise SystemExit(f"status {r.status_code}")
        len(r.content)


def pct(i, ratio):  # the first variant is the reference
    return "–" if i == 0 else f"{(ratio - 1) * 100:+.1f} %"


def quantile(v, q):
    s = sorted(v)
    return s[round((len(s) - 1) * q)]


for _, _, send in CLIENTS:  # warm-up: authenticate, open the connections
    run(send)
rows = [[] for _ in CLIENTS]  # per variant, per round: (cpu ns, wall ns) per request
for rnd in range(ROUNDS):
    for k in range(len(CLIENTS)):
        i = (rnd + k) % len(CLIENTS)
        cpu0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        run(CLIENTS[i][2])
        wall, cpu = time.perf_counter_ns() - t0, time.thread_time_ns() - cpu0
        rows[i].append((cpu / REQUESTS, wall / REQUESTS))

print("| client | CPU µs/req median (p10–p90) | wall µs/req median (p10–p90) "
      "| CPU vs bare | wall vs bare |\n|---|---:|---:|---:|---:|")
summary = {"rounds": ROUNDS, "requests": REQUESTS}
for i, ((key, name, _), r) in enumerate(zip(CLIENTS, rows)):
    cpu, wall = [x[0] / 1000 for x in r], [x[1] / 1000 for x in r]
    cpu_ratio = quantile([a[0] / b[0] for a, b in zip(r, rows[0])], 0.5)
    wall_ratio = quantile([a[1] / b[1] for a, b in zip(r, rows[0])], 0.5)
    print(f"| {name} | {quantile(cpu, .5):.1f} ({quantile(cpu, .1):.1f}–{quantile(cpu, .9):.1f}) "
          f"| {quantile(wall, .5):.1f} ({quantile(wall, .1):.1f}–{quantile(wall, .9):.1f}) "
          f"| {pct(i, cpu_ratio)} | {pct(i, wall_ratio)} |")
    summary[key] = {"cpu_us": quantile(cpu, .5), "wall_us": quantile(wall, .5),
                    "cpu_ratio": cpu_ratio, "wall_ratio": wall_ratio}
if os.environ.get("BENCH_CSV"):
    with open(os.environ["BENCH_CSV"], "w") as f:
        f.write("variant,round,cpu_ns,wall_ns\n")
        for (key, _, _), r in zip(CLIENTS, rows):
            f.writelines(f"{key},{i},{c:.0f},{w:.0f}\n" for i, (c, w) in enumerate(r))
if os.environ.get("BENCH_JSON"):
    with open(os.environ["BENCH_JSON"], "w") as f:
        json.dump(summary, f)
