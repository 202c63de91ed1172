// Builds the front-end assets from npm packages into diversion/static/vendor (not committed).
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "diversion", "static", "vendor");
const modules = join(root, "node_modules");
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "diversion", "static", "src", "app.scss"), {
  loadPaths: [root, modules],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
// MoJ Frontend: its precompiled CSS, with GDS Transport swapped for the service's font stack.
const moj = readFileSync(join(modules, "@ministryofjustice", "frontend", "moj", "moj-frontend.min.css"), "utf8")
  .replaceAll("GDS Transport,arial,sans-serif", "system-ui,-apple-system,Segoe UI,Roboto,helvetica,arial,sans-serif")
  .replace(/\/\*# sourceMappingURL=[^*]*\*\//g, "");
writeFileSync(join(out, "app.css"), css.css + "\n" + moj);

cpSync(join(modules, "govuk-frontend", "dist", "govuk", "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(modules, "@ministryofjustice", "frontend", "moj", "moj-frontend.min.js"), join(out, "moj-frontend.min.js"));
console.log("assets built in diversion/static/vendor");
