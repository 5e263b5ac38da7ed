// Registry pages: show a progress note while a large list uploads or applies, and stop double submits.
// A form holding [data-upload-progress] is sent by XMLHttpRequest instead, so a progress bar can show
// the upload's percentage, then an indeterminate "checking rows" state while the server validates;
// without JavaScript (or without XHR/FormData) it is an ordinary form post.
function registryForms(root) {
  root.querySelectorAll("form[data-registry-upload]").forEach(function (form) {
    if (form.dataset.registryBound) { return; }
    form.dataset.registryBound = "1";
    if (form.querySelector("[data-upload-progress]") && window.FormData && window.XMLHttpRequest) {
      registryUploadWithProgress(form);
      return;
    }
    form.addEventListener("submit", function () {
      var note = form.querySelector("[data-registry-progress]");
      if (note) { note.classList.remove("d-none"); }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
}

function registryUploadWithProgress(form) {
  var box = form.querySelector("[data-upload-progress]");
  var bar = box.querySelector("[role=progressbar]");
  var fill = box.querySelector(".progress-bar");
  var text = box.querySelector("[data-upload-progress-text]");
  var buttons = form.querySelectorAll("button[type=submit]");
  var sending = false;

  function uploading(percent) {
    var label = box.dataset.textUploading + ": " + percent + "%";
    fill.classList.remove("progress-bar-striped", "progress-bar-animated");
    fill.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", label);
    text.textContent = label;
  }

  function checking() {
    // Indeterminate: a full, animated bar without aria-valuenow.
    fill.classList.add("progress-bar-striped", "progress-bar-animated");
    fill.style.width = "100%";
    bar.removeAttribute("aria-valuenow");
    bar.setAttribute("aria-valuetext", box.dataset.textChecking);
    text.textContent = box.dataset.textChecking;
  }

  function failed() {
    sending = false;
    fill.classList.remove("progress-bar-striped", "progress-bar-animated");
    fill.classList.add("bg-danger");
    text.textContent = box.dataset.textFailed;
    buttons.forEach(function (b) { b.disabled = false; });
  }

  function replaceDocument(html) {
    // The server answered with a page (a refused file, an expired session...): show it in place.
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.documentElement.replaceChild(document.adoptNode(doc.body), document.body);
    registryForms(document);
    registrySearch(document);
    if (window.csrApp) { window.csrApp.notificationCount(document); }
    window.scrollTo(0, 0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    var action = form.action;  // the page's own URL when the form names none
    var data = new FormData(form);  // includes the csrf_token field
    var xhr = new XMLHttpRequest();
    xhr.open("POST", action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable && e.total > 0) { uploading(Math.min(100, Math.floor(e.loaded * 100 / e.total))); }
    });
    xhr.upload.addEventListener("load", function () { uploading(100); checking(); });
    xhr.addEventListener("load", function () {
      var url = xhr.responseURL;
      if (xhr.status >= 200 && xhr.status < 300 && url &&
          new URL(url).pathname !== new URL(action, window.location.href).pathname) {
        // Redirected to the preview: go there (a normal page load, with its own URL and history).
        window.location.assign(url);
      } else {
        replaceDocument(xhr.responseText);
      }
    });
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.addEventListener("timeout", failed);
    box.classList.remove("d-none");
    fill.classList.remove("bg-danger");
    buttons.forEach(function (b) { b.disabled = true; });
    uploading(0);
    xhr.send(data);
  });
}

// A 16-digit number typed in the GET search box may be a NIK: send it through the POST lookup
// instead, so a NIK never lands in a URL (browser history, proxy and server logs).
function registrySearch(root) {
  root.querySelectorAll("form[data-registry-search]").forEach(function (form) {
    if (form.dataset.registryBound) { return; }
    form.dataset.registryBound = "1";
    form.addEventListener("submit", function (event) {
      var q = form.querySelector("input[name=q]");
      var lookup = document.querySelector("form[data-registry-nik]");
      if (!q || !lookup || !/^\s*\d{16}\s*$/.test(q.value)) { return; }
      event.preventDefault();
      lookup.querySelector("input[name=nik]").value = q.value.trim();
      q.value = "";
      lookup.submit();
    });
  });
}

registryForms(document);
registrySearch(document);
