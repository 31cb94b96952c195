// "Add another scar": a new empty row in the scar table, numbered after the last one, so a
// patient with more scars than rows on screen can have every one recorded.
(function () {
  "use strict";
  const button = document.getElementById("add-scar");
  const count = document.querySelector('input[name="scar_rows"]');
  if (!button || !count) { return; }
  button.addEventListener("click", () => {
    const rows = document.querySelectorAll(".scar-row");
    const last = rows[rows.length - 1];
    if (!last) { return; }
    const next = rows.length;
    const copy = last.cloneNode(true);
    copy.querySelectorAll("select, input").forEach((field) => {
      field.name = field.name.replace(/^scar_\d+_/, "scar_" + next + "_");
      field.id = field.name;
      field.setAttribute("aria-describedby", "err-" + field.name);
      field.removeAttribute("aria-invalid");
      if (field.tagName === "SELECT") { field.selectedIndex = 0; } else { field.value = ""; }
    });
    copy.querySelectorAll(".field-error").forEach((slot) => {
      slot.id = slot.id.replace(/scar_\d+_/, "scar_" + next + "_");
      slot.textContent = "";
    });
    last.after(copy);
    count.value = String(next + 1);
    copy.querySelector("select").focus();
  });
})();
