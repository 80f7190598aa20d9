"""The debtors bench/load.py simulates, for locust: each has a debtor and a link of its own (the JSON file
BENCH_DEBTORS names), and over and over opens the link, continues, answers, then reads an account, its plan
options and the dashboard, 1 to 3 seconds apart, as a new visitor each time."""

import os
from pathlib import Path

from locust import HttpUser, between, task

from bench.serving import RequestFailed, Visit, load_debtors

_debtors = iter(load_debtors(Path(os.environ["BENCH_DEBTORS"])))


class Debtor(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.debtor = next(_debtors)

    @task
    def visit(self) -> None:
        """One visit, a pause before each step but the first (locust pauses between visits).

        Each step opens a new connection, as the proxy in front of gunicorn does in production (nginx talks
        HTTP/1.0 to it unless told otherwise): a connection kept through a pause would race gunicorn closing
        it after its keep-alive of 2 seconds, an error that a browser or a proxy would retry unseen. A failed
        request (counted by locust) ends the visit; an unexpected answer is raised, and counted as an error."""
        visit = Visit(self.client, self.debtor, named=self.client.rename_request)
        for n, step in enumerate(visit.journey()):
            if n:
                self.wait()
            self.client.close()
            try:
                step()
            except RequestFailed:
                return
