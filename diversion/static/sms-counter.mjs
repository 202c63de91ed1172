// As-you-type size of a text message in the template editor. Progressive enhancement
// only: without JavaScript the size is shown when the wording is previewed.
//
// The same rules as notifications/templates.py (GSM 03.38):
// - GSM-7 if every character is in the basic set or the extension table, else UCS-2;
// - GSM-7 counts septets (an extension character is ESC + character, so 2), UCS-2 counts
//   UTF-16 code units (a character outside the BMP is 2);
// - one text holds 160 septets or 70 units; a longer message is sent in parts of 153 or
//   67, and an escape pair or a surrogate pair is never split across two parts.

export const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
    " !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
    "¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
export const GSM_EXTENSION = new Set("\f^{}\\[~]|€");

const LIMITS = {
  "GSM-7": { single: 160, part: 153 },
  "UCS-2": { single: 70, part: 67 },
};

export function measure(text) {
  const chars = Array.from(text); // code points
  const gsm = chars.every((ch) => GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch));
  const encoding = gsm ? "GSM-7" : "UCS-2";
  const units = chars.map((ch) => (gsm ? (GSM_EXTENSION.has(ch) ? 2 : 1) : ch.length));
  const characters = units.reduce((sum, size) => sum + size, 0);
  const { single, part } = LIMITS[encoding];
  let segments = characters === 0 ? 0 : 1;
  if (characters > single) {
    let used = 0;
    for (const size of units) {
      if (used + size > part) {
        segments += 1;
        used = 0;
      }
      used += size;
    }
  }
  return { characters, encoding, segments };
}

// Fill known {placeholders} with sample values and unescape {{ and }}, as render() does;
// anything else is left as typed (the server says what is wrong with it).
export function fill(template, values) {
  return template.replace(/\{\{|\}\}|\{([a-z]+)\}/g, (match, name) => {
    if (name === undefined) return match[0];
    return Object.hasOwn(values, name) ? values[name] : match;
  });
}

// Worded as describe_measure() in notifications/views/admin.py.
export function describe({ characters, encoding, segments }) {
  const chars = characters === 1 ? "character" : "characters";
  const texts = segments === 1 ? "text message" : "text messages";
  return `${characters} ${chars}, ${encoding}, ${segments} ${texts}`;
}

const PAUSE_MS = 700;

function watch(region) {
  const field = document.getElementById(region.dataset.smsCounter);
  if (!field) return;
  const values = JSON.parse(region.dataset.sampleValues || "{}");
  const prefix = region.dataset.prefix || "";
  let timer;
  // Update once typing pauses, so that a screen reader is not told every keystroke.
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const said = prefix + describe(measure(fill(field.value.trim(), values)));
      if (region.textContent !== said) region.textContent = said;
    }, PAUSE_MS);
  });
}

if (typeof document !== "undefined") {
  document.querySelectorAll("[data-sms-counter]").forEach(watch);
}
