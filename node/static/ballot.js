// The budget ballot's running total, kept current as the resident ticks projects. The
// page works without this script: the total it shows is the node's, as the page opened.
(function () {
  "use strict";
  const total = document.getElementById("ballot-total");
  if (!total) {
    return;
  }
  const form = total.closest("form");
  const budget = Number(total.dataset.budget);
  const language = document.documentElement.lang || "nl";

  function money(amount) {
    // Whole amounts without cents, as the node writes them (node/i18n.py readable_amount).
    const digits = Number.isInteger(amount) ? 0 : 2;
    return new Intl.NumberFormat(language, {
      style: "currency",
      currency: total.dataset.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
  }

  function update() {
    let chosen = 0;
    for (const box of form.querySelectorAll("input[name=pick]:checked")) {
      chosen += Number(box.dataset.cost);
    }
    const left = budget - chosen;
    const template = left >= 0 ? total.dataset.within : total.dataset.over;
    total.textContent = template
      .replace("{total}", money(chosen))
      .replace("{left}", money(left))
      .replace("{over}", money(-left));
  }

  form.addEventListener("change", update);
})();
