"""Locust users of the load-and-fault run (benchmarks/load_faults.py starts Locust on this file).

Not a benchmark by itself (the leading underscore keeps it out of `make bench`). Three kinds
of people, as the station has them: editors browse reports and the schedule and sometimes
upload a short master and ask for its transcription; translators keep a workspace open and
save a cue every few seconds; partners read the portal and the API and download package files.

Everything the users need (ports, report, track and cue ids, API tokens) comes from the plan
that load_faults.py writes and names in ``STATION_LOAD_PLAN``. Every request is also written
to a log of its own (start time, duration, name, status), so the driver can split the figures
by phase and by fault window, which Locust's aggregated CSV cannot; every cue save is logged
with its text and the version the server answered, so the driver can prove no save was lost.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN: dict[str, Any] = (json.loads(Path(os.environ["STATION_LOAD_PLAN"]).read_text("utf-8"))
                        if os.environ.get("STATION_LOAD_PLAN") else {})
_LOG = open(PLAN["request_log"], "a", buffering=1, encoding="utf-8") if PLAN else None  # noqa: SIM115
_SAVES = open(PLAN["save_log"], "a", buffering=1, encoding="utf-8") if PLAN else None  # noqa: SIM115
_SLOTS = {kind: itertools.count() for kind in ("editor", "translator", "partner")}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@events.request.add_listener
def _log_request(request_type: str, name: str, response_time: float, response_length: int,
                 response: Any = None, exception: BaseException | None = None,
                 start_time: float | None = None, **_: Any) -> None:
    """One line per request: [start (epoch s), ms, name, HTTP status (0: no answer), error]."""
    if _LOG is None:
        return
    status = getattr(response, "status_code", 0) or 0
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _LOG.write(json.dumps([round(started, 3), round(response_time, 1), name, status,
                           type(exception).__name__ if exception else None]) + "\n")


class StationUser(HttpUser):
    """A signed-in person on one of the two web processes (picked by slot, so both get load)."""

    abstract = True
    kind = "editor"
    username = "editor"

    def on_start(self) -> None:
        self.slot = next(_SLOTS[self.kind])
        ports = PLAN["ports"]
        self.base = f"http://127.0.0.1:{ports[self.slot % len(ports)]}"
        self.csrf = ""
        self.rng = random.Random(f"{self.kind}-{self.slot}")
        self.login()

    def login(self) -> None:
        """The form sign-in with its CSRF token, as a browser does it; retried while the
        database restarts (a person would press the button again)."""
        for _ in range(30):
            with self.client.get(f"{self.base}/login", name="login", catch_response=True) as page:
                found = CSRF_INPUT.search(page.text or "")
                if page.status_code == 302 or (found is None and page.ok):
                    return  # already signed in
                if found is None:
                    page.failure(f"login page {page.status_code}")
                    time.sleep(2)
                    continue
            with self.client.post(f"{self.base}/login", name="login", catch_response=True,
                                  allow_redirects=False,
                                  data={"username": self.username,
                                        "password": PLAN["password"],
                                        "csrf_token": found.group(1)}) as answer:
                if answer.status_code == 302:
                    return
                answer.failure(f"sign-in answered {answer.status_code}")
            time.sleep(2)
        raise StopUser()

    def page(self, path: str, name: str = "page") -> Any:
        """GET a page; a redirect to the sign-in (session lost) signs in again."""
        with self.client.get(f"{self.base}{path}", name=name, catch_response=True) as answer:
            if answer.ok and "/login" in answer.url:
                answer.failure("signed out")
                self.login()
            elif not answer.ok:
                answer.failure(f"HTTP {answer.status_code}")
            elif answer.headers.get("Content-Type", "").startswith("text/html"):
                found = CSRF_META.search(answer.text or "")
                if found:
                    self.csrf = found.group(1)
            return answer


class Editor(StationUser):
    """Reads the report list, reports, the jobs page and the schedule; uploads now and then."""

    weight = 15
    kind = "editor"
    username = "editor"
    wait_time = between(3, 8)

    def on_start(self) -> None:
        super().on_start()
        reports = PLAN["editor_reports"]
        self.own_report = reports[self.slot % len(reports)]
        low, high = PLAN["upload_after"]
        self.upload_at = time.time() + self.rng.uniform(low, high)
        self.uploads = 0
        self.transcribe_at: float | None = None

    @task(5)
    def report_list(self) -> None:
        self.page("/reports")

    @task(4)
    def report_page(self) -> None:
        self.page(f"/reports/{self.rng.choice(PLAN['browse_reports'])}")

    @task(2)
    def schedule_week(self) -> None:
        self.page(f"/schedule/{PLAN['schedule_channel']}")

    @task(1)
    def job_page(self) -> None:
        self.page("/jobs")

    @task(2)
    def own_work(self) -> None:
        """Upload the master of the editor's own report, then ask for its transcription."""
        now = time.time()
        if self.uploads < PLAN["uploads_per_editor"] and now >= self.upload_at:
            self.upload()
        elif self.transcribe_at is not None and now >= self.transcribe_at:
            self.transcribe()
        else:
            self.page(f"/reports/{self.own_report}")

    def upload(self) -> None:
        masters = PLAN["masters"]
        master = Path(masters[(self.slot + self.uploads) % len(masters)])
        self.page(f"/reports/{self.own_report}")
        with self.client.post(f"{self.base}/reports/{self.own_report}/upload", name="upload",
                              data=master.read_bytes(), catch_response=True,
                              headers={"X-File-Name": master.name, "X-CSRFToken": self.csrf,
                                       "Accept": "application/json",
                                       "Content-Type": "application/octet-stream"}) as answer:
            if answer.status_code == 409:  # an ingest of this report is still running
                answer.success()
            elif answer.status_code != 202:
                answer.failure(f"HTTP {answer.status_code}")
        self.uploads += 1
        low, high = PLAN["upload_after"]
        self.upload_at = time.time() + self.rng.uniform(low, high)
        self.transcribe_at = time.time() + PLAN["transcribe_after"]

    def transcribe(self) -> None:
        self.page(f"/reports/{self.own_report}")
        with self.client.post(f"{self.base}/reports/{self.own_report}/transcribe",
                              name="transcribe", data={"csrf_token": self.csrf},
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"HTTP {answer.status_code}")
        self.transcribe_at = None


class Translator(StationUser):
    """Keeps a workspace open and saves one of its own cues every few seconds."""

    weight = 25
    kind = "translator"
    username = "translator"
    wait_time = between(2, 5)

    def on_start(self) -> None:
        super().on_start()
        mine = PLAN["translators"][self.slot % len(PLAN["translators"])]
        self.track, self.cues = mine["track"], list(mine["cues"])
        self.versions: dict[int, int] = {}
        self.edits = 0
        self.page(f"/tracks/{self.track}/edit")
        self.sync()

    def sync(self) -> bool:
        """Read the track as the workspace does, to learn each own cue's version."""
        with self.client.get(f"{self.base}/api/tracks/{self.track}", name="track json",
                             headers={"Accept": "application/json"},
                             catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return False
            for cue in answer.json()["cues"]:
                if cue["id"] in self.cues:
                    self.versions[cue["id"]] = cue["version"]
        return True

    @task(12)
    def save_cue(self) -> None:
        if not self.versions and not self.sync():
            return
        cue = self.cues[self.edits % len(self.cues)]
        self.edits += 1
        text = f"Bản dịch {self.slot}-{self.edits}\nlưu lúc {time.time():.1f}"
        version = self.versions.get(cue, 1)
        outcome = "unknown"
        with self.client.request("PATCH", f"{self.base}/api/cues/{cue}", name="cue save",
                                 json={"version": version, "text": text}, catch_response=True,
                                 headers={"X-CSRFToken": self.csrf,
                                          "Accept": "application/json"}) as answer:
            if answer.status_code == 200:
                outcome = "saved"
                version = answer.json()["cues"][0]["version"]
                self.versions[cue] = version
            elif answer.status_code == 409:
                outcome = "conflict"  # refused, so not saved: the versions are re-read
                answer.failure("409 conflict")
            elif answer.status_code == 400:
                outcome = "refused"
                answer.failure("400 (CSRF token?)")
                self.page(f"/tracks/{self.track}/edit")
            else:
                answer.failure(f"HTTP {answer.status_code}")
        if _SAVES is not None:
            _SAVES.write(json.dumps({"t": round(time.time(), 3), "user": self.slot, "cue": cue,
                                     "text": text, "version": version,
                                     "outcome": outcome}) + "\n")
        if outcome not in ("saved",):
            self.sync()

    @task(1)
    def reload_track(self) -> None:
        self.sync()


class Partner(StationUser):
    """Follows the portal and the API with its own token and downloads package files."""

    weight = 10
    kind = "partner"
    username = "vtv4"
    wait_time = between(3, 8)

    def on_start(self) -> None:
        super().on_start()
        tokens = PLAN["tokens"]
        self.auth = {"Authorization": f"Bearer {tokens[self.slot % len(tokens)]}"}
        self.files: list[tuple[int, str, int]] = []

    def api(self, path: str, name: str = "api") -> Any:
        with self.client.get(f"{self.base}/api/v1{path}", name=name, headers=self.auth,
                             catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
            return answer

    @task(3)
    def portal(self) -> None:
        self.page("/partner/")

    @task(3)
    def list_packages(self) -> None:
        answer = self.api("/packages")
        if answer.status_code != 200:
            return
        ready = [p["id"] for p in answer.json()["packages"] if p["status"] == "ready"]
        if not ready:
            return
        detail = self.api(f"/packages/{self.rng.choice(ready)}")
        if detail.status_code == 200:
            data = detail.json()
            self.files = [(data["id"], f["path"], f["size"] or 0) for f in data["files"]]

    @task(2)
    def portal_package(self) -> None:
        if self.files:
            self.page(f"/partner/packages/{self.files[0][0]}")

    @task(4)
    def download(self) -> None:
        """A package file (small ones mostly; the rendition now and then), portal or API."""
        if not self.files:
            self.list_packages()
            return
        small = [f for f in self.files if f[2] < 2_000_000] or self.files
        package_id, name, _size = self.rng.choice(self.files if self.rng.random() < 0.2
                                                  else small)
        if self.rng.random() < 0.5:
            self.api(f"/packages/{package_id}/files/{name}", name="download")
        else:
            self.page(f"/partner/packages/{package_id}/files/{name}", name="download")
