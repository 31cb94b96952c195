// The before/after overlay: the slider uncovers the "after" photo over the "before" one.
// Without script the two photos are still shown side by side in the visits above.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-overlay-slider]").forEach((slider) => {
    const card = slider.closest(".card");
    const after = card && card.querySelector("[data-after]");
    const divider = card && card.querySelector("[data-divider]");
    if (!after) return;
    const show = () => {
      after.style.clipPath = `inset(0 ${100 - slider.value}% 0 0)`;
      if (divider) divider.style.left = `${slider.value}%`;
    };
    slider.addEventListener("input", show);
    show();
  });
});
