// The signature pad: draws with a finger, stylus or mouse (pointer events) and keeps the drawing
// as a PNG data URL in the form's hidden field. A drawing sent back with a refused form is
// painted again, so the patient does not sign twice for a typo elsewhere.
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.querySelector("[data-signature-pad]");
  const field = document.querySelector("[data-signature-value]");
  if (!canvas || !field) return;
  const context = canvas.getContext("2d");
  let drawing = false;
  let drew = false;

  const fit = () => {
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
  };
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  const keep = () => { if (drew) field.value = canvas.toDataURL("image/png"); };

  fit();
  if (field.value.startsWith("data:image/png;base64,")) {
    const earlier = new Image();
    earlier.onload = () => {
      const box = canvas.getBoundingClientRect();
      context.drawImage(earlier, 0, 0, box.width, box.height);
      drew = true;
    };
    earlier.src = field.value;
  }
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = at(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x + 0.1, y + 0.1);
    context.stroke();
    drew = true;
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = at(event);
    context.lineTo(x, y);
    context.stroke();
    event.preventDefault();
  });
  const stop = () => { if (drawing) { drawing = false; keep(); } };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  const clear = document.querySelector("[data-signature-clear]");
  if (clear) clear.addEventListener("click", () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    drew = false;
    field.value = "";
  });
});
