// The back body map: click (or Enter on) a zone, type its counts, and the hidden body_map field
// and the zone's badge follow. A "bodymap-changed" event tells htmx to refresh the result.
// A count that is not a whole number from 0 to 10000 is refused where it is typed, with the
// message next to it, and never silently changed. Where zones hold counts of a section (acne
// lesions, acne scars), their totals fill the whole-back counts of that section, read-only; when
// the zones no longer count it, the whole-back counts typed before come back.
(function () {
  "use strict";
  const ACNE = ["comedones", "papules", "pustules", "nodules", "cysts"];
  const SCARS = ["icepick", "boxcar", "rolling", "hypertrophic", "macular"];
  const FIELDS = ACNE.concat(SCARS);
  const SECTIONS = [["acne", ACNE, "acne_"], ["acne_scars", SCARS, "scars_"]];
  const hidden = document.getElementById("body_map");
  const pending = document.getElementById("body_map_problem");
  if (!hidden) { return; }
  const editor = document.getElementById("zone-editor");
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

  function sums() {
    const result = {};
    FIELDS.forEach((name) => { result[name] = 0; });
    Object.values(state.zones).forEach((counts) => {
      FIELDS.forEach((name) => { result[name] += Number(counts[name]) || 0; });
    });
    return result;
  }

  function fillWholeBack(totals) {
    SECTIONS.forEach(([_section, names, prefix]) => {
      const zoned = names.some((name) => totals[name] > 0);
      names.forEach((name) => {
        const input = document.getElementById(prefix + name);
        if (!input) { return; }
        if (zoned) {
          if (!input.readOnly) { input.dataset.manual = input.value; }
          input.readOnly = true;
          input.value = String(totals[name]);
        } else if (input.readOnly) {
          input.readOnly = false;
          input.value = input.dataset.manual || "";
        }
      });
    });
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
    const totals = sums();
    const parts = FIELDS.filter((name) => totals[name] > 0).map((name) => {
      const input = document.getElementById("zone-" + name);
      const label = input ? input.closest("div").querySelector("label").textContent : name;
      return label + " " + totals[name];
    });
    totalsLine.textContent = parts.length ? "Σ " + parts.join(" · ") : "";
    return totals;
  }

  function firstInvalid() {
    return document.querySelector('#zone-fields input[aria-invalid="true"]');
  }

  function select(zone) {
    const wrong = firstInvalid();
    if (wrong) { wrong.focus(); return; }  // a refused value is corrected, never dropped
    current = zone.dataset.zone;
    title.textContent = zone.dataset.label;
    fieldsBox.hidden = false;
    const counts = state.zones[current] || {};
    FIELDS.forEach((name) => {
      const input = document.getElementById("zone-" + name);
      if (input) { input.value = counts[name] || 0; showProblem(input, ""); }
    });
    paint();
    const first = document.getElementById("zone-comedones");
    if (first) { first.focus(); first.select(); }
  }

  function showProblem(input, message) {
    const slot = document.getElementById("zone-error-" + input.dataset.field);
    if (slot) { slot.textContent = message; }
    if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }

  function problemOf(text) {
    if (text.trim() === "") { return ""; }
    if (!/^\d+$/.test(text.trim())) { return editor.dataset.msgWhole; }
    if (Number(text) > 10000) { return editor.dataset.msgMax; }
    return "";
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
      const problem = problemOf(input.value);
      showProblem(input, problem);
      if (pending) { pending.value = firstInvalid() ? "1" : ""; }
      if (problem) {
        document.body.dispatchEvent(new CustomEvent("bodymap-changed"));
        return;
      }
      const counts = Object.assign({}, state.zones[current] || {});
      counts[name] = Number(input.value.trim() || 0);
      Object.keys(counts).forEach((key) => { if (!counts[key]) { delete counts[key]; } });
      if (Object.keys(counts).length) { state.zones[current] = counts; } else { delete state.zones[current]; }
      hidden.value = JSON.stringify(state);
      fillWholeBack(paint());
      document.body.dispatchEvent(new CustomEvent("bodymap-changed"));
    });
  });

  // Saving with a refused count on screen would store the zone's previous counts: stop and
  // show the field instead (the server refuses it too, through body_map_problem).
  const form = hidden.closest("form");
  if (form) {
    form.addEventListener("submit", (event) => {
      const wrong = firstInvalid();
      if (wrong) { event.preventDefault(); wrong.focus(); }
    });
  }

  paint();
})();
