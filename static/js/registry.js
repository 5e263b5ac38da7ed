// Registry pages: show a progress note while a large list uploads or applies, and stop double submits.
document.querySelectorAll("form[data-registry-upload]").forEach(function (form) {
  form.addEventListener("submit", function () {
    var note = form.querySelector("[data-registry-progress]");
    if (note) { note.classList.remove("d-none"); }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
});
