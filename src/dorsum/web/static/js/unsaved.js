// A form marked data-unsaved asks before the page is left with typing in it that was not
// saved (a menu link, the language switch, closing the tab). Submitting it never asks. A form
// shown again after a refusal (data-unsaved="typed") holds unsaved typing from the start.
(function () {
  "use strict";
  const forms = document.querySelectorAll("form[data-unsaved]");
  if (!forms.length) { return; }
  let dirty = Array.from(forms).some((form) => form.dataset.unsaved === "typed");
  let leaving = false;
  forms.forEach((form) => {
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("change", () => { dirty = true; });
    form.addEventListener("submit", () => { leaving = true; });
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !leaving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
