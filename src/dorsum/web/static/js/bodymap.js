// The back body map: click (or Enter on) a zone, type its counts, and the hidden body_map field
// and the zone's badge follow. A "bodymap-changed" event tells htmx to refresh the result.
(function () {
  "use strict";
  const FIELDS = ["comedones", "papules", "pustules", "nodules", "cysts",
                  "icepick", "boxcar", "rolling", "hypertrophic", "macular"];
  const hidden = document.getElementById("body_map");
  if (!hidden) { return; }
  let state;
  try { state = JSON.parse(hidden.value || "{}"); } catch (error) { state = {}; }
  if (!state.zones) { state.zones = {}; }
  let current = null;
  const fieldsBox = document.getElementById("zone-fields");
  const title = document.getElementById("zone-title");
  const totalsLine = document.getElementById("zone-totals");

  function total(counts) {
    return FIELDS.reduce((sum, name) => sum + (Number(counts[name]) || 0), 0);
  }

  function paint() {
    document.querySelectorAll(".bodymap .zone").forEach((zone) => {
      const counts = state.zones[zone.dataset.zone] || {};
      const sum = total(counts);
      zone.classList.remove("l1", "l2", "l3");
      if (sum > 0) { zone.classList.add(sum < 10 ? "l1" : sum < 30 ? "l2" : "l3"); }
      zone.classList.toggle("selected", zone.dataset.zone === current);
      const label = document.querySelector('[data-count="' + zone.dataset.zone + '"]');
      if (label) { label.textContent = sum > 0 ? String(sum) : ""; }
    });
    const sums = {};
    FIELDS.forEach((name) => { sums[name] = 0; });
    Object.values(state.zones).forEach((counts) => {
      FIELDS.forEach((name) => { sums[name] += Number(counts[name]) || 0; });
    });
    const parts = FIELDS.filter((name) => sums[name] > 0).map((name) => {
      const input = document.getElementById("zone-" + name);
      const label = input ? input.closest("div").querySelector("label").textContent : name;
      return label + " " + sums[name];
    });
    totalsLine.textContent = parts.length ? "Σ " + parts.join(" · ") : "";
  }

  function select(zone) {
    current = zone.dataset.zone;
    title.textContent = zone.dataset.label;
    fieldsBox.hidden = false;
    const counts = state.zones[current] || {};
    FIELDS.forEach((name) => {
      const input = document.getElementById("zone-" + name);
      if (input) { input.value = counts[name] || 0; }
    });
    paint();
    const first = document.getElementById("zone-comedones");
    if (first) { first.focus(); first.select(); }
  }

  document.querySelectorAll(".bodymap .zone").forEach((zone) => {
    zone.addEventListener("click", () => select(zone));
    zone.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(zone); }
    });
  });

  FIELDS.forEach((name) => {
    const input = document.getElementById("zone-" + name);
    if (!input) { return; }
    input.addEventListener("input", () => {
      if (!current) { return; }
      const value = Math.max(0, Math.floor(Number(input.value) || 0));
      const counts = Object.assign({}, state.zones[current] || {});
      counts[name] = value;
      Object.keys(counts).forEach((key) => { if (!counts[key]) { delete counts[key]; } });
      if (Object.keys(counts).length) { state.zones[current] = counts; } else { delete state.zones[current]; }
      hidden.value = JSON.stringify(state);
      paint();
      document.body.dispatchEvent(new CustomEvent("bodymap-changed"));
    });
  });

  paint();
})();
