"""The same requests as examples/bench_requests.rs, with Python's
keystoneauth1 (Session + Adapter) and with bare requests. Prints one JSON line."""
import json
import os
import statistics
import time

t0 = time.perf_counter()
from keystoneauth1 import adapter, session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402
import requests  # noqa: E402
import_ms = (time.perf_counter() - t0) * 1000

n = int(os.environ.get("BENCH_REQUESTS", "500"))
start = time.perf_counter()
auth = v3.Password(auth_url=os.environ["OS_AUTH_URL"], username=os.environ["OS_USERNAME"],
                   password=os.environ["OS_PASSWORD"], project_name=os.environ["OS_PROJECT_NAME"],
                   user_domain_name="Default", project_domain_name="Default")
sess = session.Session(auth=auth)
identity = adapter.Adapter(sess, service_type="identity")
identity.get("/projects")
first_ms = (time.perf_counter() - start) * 1000

adapter_ms = []
for _ in range(n):
    t = time.perf_counter()
    r = identity.get("/projects")
    len(r.content)
    adapter_ms.append((time.perf_counter() - t) * 1000)

token = sess.get_token()
url = identity.get_endpoint() + "/projects"
raw = requests.Session()
raw_ms = []
for _ in range(n):
    t = time.perf_counter()
    r = raw.get(url, headers={"X-Auth-Token": token})
    len(r.content)
    raw_ms.append((time.perf_counter() - t) * 1000)

print(json.dumps({"impl": "keystoneauth1", "requests": n, "import_ms": round(import_ms, 1),
                  "auth_and_first_ms": round(first_ms, 3),
                  "adapter_median_ms": round(statistics.median(adapter_ms), 4),
                  "raw_median_ms": round(statistics.median(raw_ms), 4)}))
