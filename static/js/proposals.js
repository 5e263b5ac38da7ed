// Aid proposal intake: live subtotal and total of the cost lines (the server recomputes them).
(function () {
  "use strict";
  var table = document.getElementById("cost-lines");
  if (!table) { return; }
  function parse(value) {
    var digits = String(value || "").replace(/^rp\.?\s*/i, "").replace(/[.\s]/g, "").replace(/,00$/, "");
    return /^\d+$/.test(digits) ? parseInt(digits, 10) : 0;
  }
  function format(n) {
    return n ? "Rp " + n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".") : "";
  }
  function update() {
    var total = 0;
    table.querySelectorAll("tr.cost-line").forEach(function (row) {
      var qty = parse(row.querySelector("input[name$='quantity']").value);
      var unit = parse(row.querySelector("input[name$='unit_amount']").value);
      var sub = qty * unit;
      total += sub;
      row.querySelector(".line-total").textContent = format(sub);
    });
    document.getElementById("cost-total").textContent = format(total);
  }
  table.addEventListener("input", update);
  update();
})();
