// As-you-type check of the name texts use, on the client form. Progressive enhancement
// only: without JavaScript the server says the same when the form is saved.
//
// The same rules as notifications/names.py: her texts are every kind of text in her
// language and register, filled with the long sample values and her name; a name with a
// character outside GSM 03.38 makes them UCS-2, and any text over its language's limit
// (English 1, Welsh 2, both 3) is too long. The plain spelling for texts keeps every GSM-7
// character and spells the others plainly (the server's table, else without accents).

import { GSM_BASIC, GSM_EXTENSION, fill, measure } from "./sms-counter.mjs";

const isGsm = (ch) => GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch);

// The characters of a name that make a text UCS-2, each once, as typed.
export function nonGsmCharacters(name) {
  return [...new Set(Array.from(name).filter((ch) => !isGsm(ch)))];
}

// "Zoë" is "Zoe"; null when the name is already plain or has no plain spelling.
export function plainSpelling(name, table) {
  const spelt = Array.from(name.normalize("NFC"), (ch) => {
    if (isGsm(ch)) return ch;
    if (Object.hasOwn(table, ch)) return table[ch];
    return ch.normalize("NFD").replace(/\p{Mn}/gu, "");
  });
  const plain = spelt.join("").split(/\s+/).filter(Boolean).join(" ");
  if (!plain || plain === name || nonGsmCharacters(plain).length) return null;
  return plain;
}

// Worded as name_warning() in notifications/names.py.
export function nameWarning(name, templates, { limit, values, spelling }) {
  if (!name || !templates.length) return null;
  const because = nonGsmCharacters(name);
  const parts = Math.max(...templates.map((t) => measure(fill(t, { ...values, name })).segments));
  if (parts <= limit && because.length === 0) return null;
  const count = parts === 1 ? "1 part" : `${parts} parts`;
  const message = because.length
    ? `Texts to her will use ${count} because of ${because.join(" and ")}`
    : `Texts to her may use ${count} because her name is long (${Array.from(name).length} characters)`;
  return { message, plainSpelling: plainSpelling(name, spelling) };
}

const PAUSE_MS = 700;

function plainButton(plain, use) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0";
  button.dataset.plainSpelling = plain;
  button.textContent = `Use ${plain} in texts`;
  button.addEventListener("click", () => use(plain));
  return button;
}

function show(region, warning, use) {
  region.replaceChildren();
  if (!warning) return;
  const inset = document.createElement("div");
  inset.className = "govuk-inset-text govuk-!-margin-top-0";
  const said = document.createElement("p");
  said.className = "govuk-body";
  said.textContent = `${warning.message}.`;
  inset.append(said);
  if (warning.plainSpelling) {
    const offer = document.createElement("p");
    offer.className = "govuk-body";
    offer.textContent =
      `For texts only, the plain spelling is ${warning.plainSpelling}. ` +
      "Her name on her record stays as it is.";
    inset.append(offer, plainButton(warning.plainSpelling, use));
  }
  region.append(inset);
}

function watch(form, data) {
  const region = document.getElementById("text-name-warning");
  const agreement = document.getElementById("text-name-agreement");
  const field = form.querySelector("#text_name");
  const first = form.querySelector("#first_name");
  const plain = form.querySelector("#plain_wording");
  if (!region || !field) return;

  const name = () => {
    const typed = field.value.trim();
    if (typed) return typed;
    const initial = Array.from((first?.value || "").trim())[0];
    return initial ? initial.toUpperCase() : "";
  };
  const language = () => {
    const chosen = form.querySelector('input[name="text_language"]:checked');
    return chosen && chosen.value ? chosen.value : data.unknown;
  };
  const check = () => {
    const lang = language();
    const register = plain?.checked ? "plain" : "discreet";
    return nameWarning(name(), data.templates[lang][register], {
      limit: data.limits[lang],
      values: data.values,
      spelling: data.spelling,
    });
  };

  // What the region says now: the server's warning, when it drew one, is what check() says.
  let said = "";
  const update = () => {
    const warning = check();
    if (agreement) agreement.hidden = !warning;
    const now = warning ? warning.message : "";
    // Only a change is shown, so that a screen reader is told once.
    if (now !== said) {
      show(region, warning, use);
      said = now;
    }
  };
  function use(spelling) {
    field.value = spelling;
    update();
    field.focus();
  }

  // The server's own offer gets the button that puts the spelling in the box.
  for (const offer of region.querySelectorAll("p[data-plain-spelling]")) {
    offer.after(plainButton(offer.dataset.plainSpelling, use));
  }
  said = region.textContent.trim() ? check()?.message || "" : "";
  let timer;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(update, PAUSE_MS);
  };
  field.addEventListener("input", later);
  first?.addEventListener("input", later);
  form.addEventListener("change", (event) => {
    if (event.target.name === "text_language" || event.target === plain) update();
  });
}

if (typeof document !== "undefined") {
  const source = document.getElementById("text-name-data");
  const form = source?.closest("form");
  if (source && form) watch(form, JSON.parse(source.textContent));
}
