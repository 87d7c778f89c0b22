// Small enhancements over plain forms: every page works without this file.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": csrf, "accept": "application/json" },
    });
  }

  // Phone menu: the button folds the navigation away (CSS folds it only on narrow screens).
  // Esc closes it and gives focus back to the button; so does a tap anywhere else.
  var header = document.querySelector("[data-menu]");
  var menuButton = header && header.querySelector("[data-menu-toggle]");
  if (menuButton) {
    header.classList.add("js-menu");
    var setMenu = function (open) {
      menuButton.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    };
    var menuOpen = function () { return menuButton.getAttribute("aria-expanded") === "true"; };
    menuButton.addEventListener("click", function () { setMenu(!menuOpen()); });
    header.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !menuOpen()) return;
      event.preventDefault();
      event.stopPropagation();  // not also the task page's Esc (skip)
      setMenu(false);
      menuButton.focus();
    });
    document.addEventListener("click", function (event) {
      if (menuOpen() && !header.contains(event.target)) setMenu(false);
    });
  }

  // Lease countdown; typing extends the lease, at most every 20 s (more often on short leases).
  var lease = document.querySelector("[data-lease]");
  if (lease) {
    var extendEvery = Math.min(20, Number(lease.dataset.leaseSeconds || 60) / 3) * 1000;
    var clock = lease.querySelector("[data-lease-clock]");
    var deadline = Date.now() + Number(lease.dataset.seconds) * 1000;
    var lastExtend = Date.now();
    var extending = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var min = Math.floor(left / 60), sec = left % 60;
      clock.textContent = left > 0 ? min + ":" + (sec < 10 ? "0" : "") + sec : "time is up";
      lease.classList.toggle("low", left < 60);
    };
    tick();
    setInterval(tick, 1000);
    var url = lease.dataset.extendUrl;
    if (url) {
      document.addEventListener("input", function (event) {
        if (!event.target.matches("[data-answer]") || extending) return;
        if (Date.now() - lastExtend < extendEvery) return;
        extending = true;
        post(url).then(function (response) {
          return response.ok ? response.json() : null;
        }).then(function (body) {
          if (body) {
            deadline = Date.now() + body.lease_seconds_left * 1000;
            lastExtend = Date.now();
          }
        }).finally(function () { extending = false; });
      });
    }
  }

  // Placeholder chips: insert at the caret of the answer field last used.
  var fields = Array.prototype.slice.call(document.querySelectorAll("[data-answer]"));
  var target = fields[0];
  fields.forEach(function (field) {
    field.addEventListener("focus", function () { target = field; });
  });
  function insert(token) {
    if (!target) return;
    var start = target.selectionStart, end = target.selectionEnd, value = target.value;
    target.value = value.slice(0, start) + token + value.slice(end);
    target.focus();
    target.setSelectionRange(start + token.length, start + token.length);
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip[data-token]"));
  chips.forEach(function (chip) {
    chip.addEventListener("click", function () { insert(chip.dataset.token); });
  });

  // Keyboard: Ctrl+Enter submits, Esc skips, Alt+1..9 inserts a placeholder.
  var taskForm = document.querySelector("[data-task-form]");
  var skipForm = document.getElementById("skip-form");
  if (taskForm) {
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        taskForm.requestSubmit();
      } else if (event.key === "Escape" && skipForm && !event.target.closest("details[open] summary")) {
        event.preventDefault();
        skipForm.requestSubmit();
      } else if (event.altKey && /^Digit[1-9]$/.test(event.code)) {
        var chip = chips[Number(event.code.slice(5)) - 1];
        if (chip) {
          event.preventDefault();
          insert(chip.dataset.token);
        }
      }
    });
  }

  // Review keys, like the task page's: A approves, R opens the reason, E the correction
  // (of the answer holding the focus, 1-9 move between answers); Ctrl+Enter sends the
  // reason or the correction being typed. Letters never act while focus is in a text field.
  var reviewAnswers = Array.prototype.slice.call(document.querySelectorAll("[data-review-answer]"));
  if (reviewAnswers.length) {
    var current = reviewAnswers[0];
    document.addEventListener("focusin", function (event) {
      current = event.target.closest("[data-review-answer]") || current;
    });
    var openAndFocus = function (details) {
      details.open = true;
      var text = details.querySelector("textarea");
      text.focus();
      text.setSelectionRange(text.value.length, text.value.length);
    };
    document.addEventListener("keydown", function (event) {
      var typing = event.target.matches("input, textarea, select, [contenteditable]");
      if (typing && (event.ctrlKey || event.metaKey) && event.key === "Enter") {
        var details = event.target.closest("details[data-verdict]");
        if (details) {
          event.preventDefault();
          var send = details.querySelector("button[type=submit]");
          send.form.requestSubmit(send);
        }
        return;
      }
      if (typing || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      if (/^[1-9]$/.test(event.key) && reviewAnswers[Number(event.key) - 1]) {
        event.preventDefault();
        current = reviewAnswers[Number(event.key) - 1];
        current.querySelector("button[data-verdict=approve]").focus();
      } else if (event.key === "a") {
        event.preventDefault();
        var approve = current.querySelector("button[data-verdict=approve]");
        approve.form.requestSubmit(approve);
      } else if (event.key === "r") {
        event.preventDefault();
        openAndFocus(current.querySelector("details[data-verdict=reject]"));
      } else if (event.key === "e") {
        event.preventDefault();
        openAndFocus(current.querySelector("details[data-verdict=edit]"));
      }
    });
  }

  // Forms that ask before doing something that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Job status polling while a file is split.
  function pollJob(url, onDone) {
    var check = function () {
      fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.status === "splitting") setTimeout(check, 700);
          else onDone(job);
        })
        .catch(function () { setTimeout(check, 2000); });
    };
    check();
  }
  var splitting = document.querySelector("[data-split-poll]");
  if (splitting) {
    pollJob(splitting.dataset.splitPoll, function () { window.location.reload(); });
  }

  function size(bytes) {
    if (bytes < 1024) return bytes + (bytes === 1 ? " byte" : " bytes");
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  // Seconds since a moment, shown in ``element`` every second until the returned stop().
  function stopwatch(element, startedSecondsAgo) {
    var started = Date.now() - (startedSecondsAgo || 0) * 1000;
    var show = function () {
      element.textContent = Math.round((Date.now() - started) / 1000) + " s";
    };
    show();
    var timer = setInterval(show, 1000);
    return function () { clearInterval(timer); show(); return element.textContent; };
  }
  var splitClock = document.querySelector("[data-split-since]");
  if (splitClock) stopwatch(splitClock, Number(splitClock.dataset.splitSince));

  // Job upload: an upload progress bar, then a splitting progress bar, then the job page.
  // The split is one transaction, so its bar cannot move: it shows the time taken instead,
  // and the job's own reason if the split fails.
  var upload = document.querySelector("form[data-upload]");
  if (upload) {
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = upload.querySelector("[data-upload-status]");
      var bar = document.getElementById("upload-progress");
      var split = document.getElementById("split-progress");
      var message = upload.querySelector("[data-upload-message]");
      var problem = document.getElementById("upload-error");
      var button = upload.querySelector("button[type=submit]");
      var splitError = upload.querySelector("[data-split-error]");
      var elapsed = upload.querySelector("[data-split-elapsed]");
      var file = upload.querySelector("input[type=file]").files[0];
      var fileSize = file ? size(file.size) : "";
      problem.hidden = true;
      splitError.hidden = true;
      elapsed.textContent = "";
      status.hidden = false;
      button.disabled = true;
      bar.value = 0;
      split.value = 0;
      upload.querySelector("[data-upload-size]").textContent = file ? file.name + ", " + fileSize : "";
      message.textContent = "Uploading…";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.setRequestHeader("x-csrf-token", csrf);
      xhr.setRequestHeader("accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status !== 202) {
          status.hidden = true;
          button.disabled = false;
          problem.textContent = body.detail || "The upload was refused (" + xhr.status + ").";
          problem.hidden = false;
          problem.focus();
          return;
        }
        bar.value = 100;
        split.removeAttribute("value");  // indeterminate until the split is done
        message.textContent = "Uploaded " + fileSize + ". Splitting into tasks…";
        var stop = stopwatch(elapsed, 0);
        pollJob(body.url + "/status", function (job) {
          var took = stop();
          if (job.status === "open") {
            split.value = 100;
            message.textContent = "Split into " + job.tasks_total + " tasks in " + took + ".";
            setTimeout(function () { window.location.href = body.url; }, 600);
            return;
          }
          split.value = 0;
          splitError.textContent = "The split " + (job.status === "failed" ? "failed" : "ended: " + job.status)
            + (job.error ? ": " + job.error : ".");
          splitError.hidden = false;
          message.textContent = "";
          var link = document.createElement("a");
          link.href = body.url;
          link.textContent = "Open the job page";
          link.className = "btn";
          message.appendChild(link);
          button.disabled = false;
        });
      });
      xhr.addEventListener("error", function () {
        status.hidden = true;
        button.disabled = false;
        problem.textContent = "The upload failed: the connection dropped. Try again.";
        problem.hidden = false;
      });
      xhr.send(new FormData(upload));
    });
  }
})();
