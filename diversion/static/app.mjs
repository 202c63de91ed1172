// Progressive enhancement only: every page works without this file.
import { initAll } from "./vendor/govuk-frontend.min.js";
import { SortableTable } from "./vendor/moj-frontend.min.js";

initAll();
// MoJ Frontend's sortable tables (the caseload overview): only these, not its other parts.
for (const table of document.querySelectorAll('[data-module="moj-sortable-table"]')) {
  new SortableTable(table);
}
