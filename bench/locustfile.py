# Locust peer for bench/throughput.sh: FastHttpUser (Locust's fastest client), no wait time.
from locust import FastHttpUser, constant, task


class Bench(FastHttpUser):
    wait_time = constant(0)

    @task
    def root(self):
        self.client.get("/")
