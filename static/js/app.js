// Progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Show only the fields of the chosen programme on the pledge form.
  const radios = document.querySelectorAll("input[name='programme']");
  const sync = () => {
    const chosen = document.querySelector("input[name='programme']:checked");
    document.querySelectorAll("[data-programme]").forEach((el) => {
      el.hidden = chosen && !el.dataset.programme.split(" ").includes(chosen.value);
    });
  };
  radios.forEach((r) => r.addEventListener("change", sync));
  sync();
  // Ask before irreversible moves.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (ev) => {
      if (!window.confirm(el.dataset.confirm)) ev.preventDefault();
    });
  });
});
