# Locust peer for bench/journey.sh: the same shop journey as bench/scenarios/journey.conf, FastHttpUser, no wait.
# Each user logs in once with its own account from hocon/data/users.csv, then loops projects → create task → read it.
import csv
import itertools
import os

from locust import FastHttpUser, constant, task

_ROWS = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "..", "hocon", "data", "users.csv"))))
_NEXT = itertools.count()


class Journey(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.user = _ROWS[next(_NEXT) % len(_ROWS)]
        with self.client.post("/shop/auth/login", json={"username": self.user["username"], "password": self.user["password"]},
                              name="login", catch_response=True) as r:
            self.token = r.json()["token"]
        self.headers = {"Authorization": "Bearer " + self.token}
        self.iteration = 0

    @task
    def journey(self):
        projects = self.client.get("/shop/projects", headers=self.headers, name="projects").json()
        project = projects["projects"][0]["id"]
        title = f"task of {self.user['username']} #{self.iteration}"
        created = self.client.post(f"/shop/projects/{project}/tasks", json={"title": title}, headers=self.headers, name="create_task").json()
        with self.client.get(f"/shop/tasks/{created['id']}", headers=self.headers, name="get_task", catch_response=True) as r:
            if r.json().get("title") != title:
                r.failure("title does not carry the user's name")
        self.iteration += 1
