// Live job progress: poll each active job's row and reload once it finishes,
// so the new media (proxy, waveform, loudness) appears without a manual refresh.
(function () {
  "use strict";
  function poll(row) {
    var id = row.dataset.jobId;
    fetch("/api/jobs/" + id, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        row.querySelector("progress").value = job.progress;
        row.querySelector(".pct").textContent = Math.round(job.progress) + "%";
        row.querySelector(".step").textContent = job.step_label || "";
        var status = row.querySelector(".job-status");
        status.textContent = job.status_label;
        status.className = "status j-" + job.status + " job-status";
        if (job.status === "queued" || job.status === "running") {
          setTimeout(function () { poll(row); }, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(function () { poll(row); }, 3000); });
  }
  window.stationWatchJobs = function () {
    document.querySelectorAll("tr.job[data-active='true']").forEach(function (row) {
      if (!row.dataset.watched) { row.dataset.watched = "1"; poll(row); }
    });
  };
  window.stationWatchJobs();
})();
