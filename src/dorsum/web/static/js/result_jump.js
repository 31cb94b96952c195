// On a phone or tablet the result sits under the long form: "See the result" floats until the
// result is on screen, and "Back to the form" returns to where the typing was.
(function () {
  "use strict";
  const jump = document.querySelector(".jump-to-result");
  const card = document.getElementById("result-card");
  if (!jump || !card || !("IntersectionObserver" in window)) { return; }
  let lastField = null;
  document.getElementById("consultation")?.addEventListener("focusin", (event) => {
    lastField = event.target;
  });
  new IntersectionObserver((seen) => {
    jump.classList.toggle("out-of-the-way", seen.some((entry) => entry.isIntersecting));
  }).observe(card);
  const back = document.getElementById("back-to-form");
  if (back) {
    back.addEventListener("click", (event) => {
      if (lastField) { event.preventDefault(); lastField.focus(); lastField.scrollIntoView({block: "center"}); }
    });
  }
})();
