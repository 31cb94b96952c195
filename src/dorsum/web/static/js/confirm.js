// A form marked data-confirm asks first ("Cancel this appointment?"): one click must not undo
// a booking, a token or a colleague's access by accident.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
