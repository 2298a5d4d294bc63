"""gunicorn settings for the test servers started by scripts/keystone.

gunicorn 27's gthread worker hands each newly accepted connection to a
worker thread, which then waits up to 5 seconds (DEFAULT_WORKER_DATA_TIMEOUT)
for the connection's first bytes before parking it on the poller. The test
servers run one thread (the token cache and the SAML sessions are in-process
memory, the database is SQLite), so every connection a client opens and does
not use at once (hyper opens spare ones under a burst of concurrent requests)
holds every other request for 5 seconds. 200 concurrent clients through
`ksa proxy` stacked these waits past ksa's 60-second timeout.

Here a new connection without bytes yet goes to the poller at once, as
gunicorn does for kept-alive connections; the drain of unread request bodies
keeps its own deadline.
"""


def post_worker_init(worker):
    """Makes the gthread worker's wait for a new connection's data non-blocking."""
    try:
        from gunicorn.workers import gthread
    except ImportError:  # not the gthread worker: nothing to change
        return
    conn_class = getattr(gthread, "TConn", None)
    wait = getattr(conn_class, "wait_for_data", None)
    if wait is None or getattr(wait, "_ksa_no_wait", False):
        return

    def wait_for_data(self, timeout):
        return wait(self, 0)

    wait_for_data._ksa_no_wait = True
    conn_class.wait_for_data = wait_for_data
    worker.log.info("ksa: new connections wait for data on the poller, not in the worker thread")
