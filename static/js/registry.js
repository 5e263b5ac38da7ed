// Registry pages: show a progress note while a large list uploads or applies, and stop double submits.
document.querySelectorAll("form[data-registry-upload]").forEach(function (form) {
  form.addEventListener("submit", function () {
    var note = form.querySelector("[data-registry-progress]");
    if (note) { note.classList.remove("d-none"); }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
});

// A 16-digit number typed in the GET search box may be a NIK: send it through the POST lookup
// instead, so a NIK never lands in a URL (browser history, proxy and server logs).
document.querySelectorAll("form[data-registry-search]").forEach(function (form) {
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
