// Progressive enhancements; every page works without them.

// The notification count in the navigation bar, fetched once the page is there, so that no page
// pays for its queries while it renders. Built with textContent: the answer is a number, not HTML.
function notificationCount(root) {
  root.querySelectorAll("[data-notification-count]").forEach((slot) => {
    fetch(slot.dataset.notificationCount, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || !data.unread) return;
        const badge = document.createElement("span");
        badge.className = "badge text-bg-warning";
        badge.dataset.testid = "notification-count";
        badge.textContent = String(data.unread);
        const label = document.createElement("span");
        label.className = "visually-hidden";
        label.textContent = " " + slot.dataset.unreadLabel;
        slot.replaceChildren(" ", badge, label);
      })
      .catch(() => {});  // signed out meanwhile, or offline: no badge
  });
}
window.csrApp = { notificationCount };

document.addEventListener("DOMContentLoaded", () => {
  notificationCount(document);
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
