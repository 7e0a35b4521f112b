// The import page (/admin/import): posts the chosen file to /imports/<kind> (check first,
// then commit the same file) and shows the service's grouped report. Every text from the
// report or the file goes in with textContent, never as markup.
(function () {
  "use strict";

  const labels = JSON.parse(document.getElementById("import-labels").textContent);
  const english = document.documentElement.lang === "en";
  const byId = (id) => document.getElementById(id);
  const report = byId("import-report");
  const statusLine = byId("import-status");
  const commitButton = byId("import-commit");
  const checkButton = byId("import-check");
  let refusedRowsUrl = null;
  // Each commit click sends a fresh Idempotency-Key; a commit whose answer never came (the
  // network failed, a 5xx, IN_PROGRESS) keeps it, and the next click sends the same file with
  // the same key, so the service writes it once and answers as it did the first time.
  let commitKey = null;
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join("");
  }

  function element(tag, value, className) {
    const node = document.createElement(tag);
    if (value !== undefined && value !== null) node.textContent = String(value);
    if (className) node.className = className;
    return node;
  }

  // Chinese first, English available (the other way round with ?lang=en).
  function bilingual(message, messageEn) {
    const first = english ? messageEn || message : message || messageEn;
    const second = english ? message : messageEn;
    const cell = element("td", null, "message");
    cell.append(element("span", first));
    if (second && second !== first) cell.append(element("span", second, "other-lang"));
    return cell;
  }

  function table(id, columns, rows) {
    const node = element("table");
    node.id = id;
    const head = node.createTHead().insertRow();
    for (const [, label] of columns) head.append(element("th", label));
    const body = node.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const [key] of columns) {
        if (key === "message") {
          tr.append(bilingual(row.message, row.messageEn));
        } else {
          tr.append(element("td", row[key], key));
        }
      }
    }
    return node;
  }

  function total(groups) {
    return (groups || []).reduce((sum, group) => sum + (Number(group.count) || 0), 0);
  }

  function options(check) {
    const params = new URLSearchParams();
    if (check) params.set("check", "true");
    const crs = byId("import-crs").value.trim();
    const community = byId("import-community").value.trim();
    if (crs) params.set("crs", crs);
    if (community) params.set("community", community);
    params.set("policy", byId("import-policy").value);
    if (byId("import-partial").checked) params.set("partial", "true");
    return params;
  }

  function showErrors(errors) {
    const list = element("ul", null, "errors");
    list.id = "import-errors";
    for (const error of errors) {
      const item = element("li");
      const first = english ? error.messageEn || error.message : error.message;
      item.append(element("span", first));
      const second = english ? error.message : error.messageEn;
      if (second && second !== first) item.append(element("span", second, "other-lang"));
      list.append(item);
    }
    report.append(list);
  }

  // The refused rows come back as a file to fix: a roster's as .xlsx (no name given), a
  // geometry file's as GeoJSON under the name the service gives (refused-buildings.geojson).
  function showRefusedRows(base64, name) {
    if (refusedRowsUrl) URL.revokeObjectURL(refusedRowsUrl);
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const geojson = /\.geojson$/i.test(name || "");
    const type = geojson
      ? "application/geo+json"
      : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    refusedRowsUrl = URL.createObjectURL(new Blob([bytes], { type }));
    const fileName = name || "refused-rows.xlsx";
    const link = element("a", geojson ? `${labels.refused_features} (${fileName})` : labels.refused_rows);
    link.id = "import-refused-rows";
    link.href = refusedRowsUrl;
    link.download = fileName;
    const paragraph = element("p"); // append() returns nothing: the link goes in first
    paragraph.append(link);
    report.append(paragraph);
  }

  function showReport(body) {
    const summary = element("dl");
    summary.id = "import-summary";
    const figures = [
      ["read", body.read],
      ["imported", body.imported],
      ["updated", body.updated],
      ["skipped", total(body.skipped)],
      ["refused", total(body.refused)],
    ];
    for (const [key, value] of figures) {
      summary.append(element("dt", labels[key]));
      const figure = element("dd", value ?? 0);
      figure.dataset.field = key;
      summary.append(figure);
    }
    report.append(summary);
    if ((body.skipped || []).length) {
      report.append(element("h2", labels.skipped));
      const columns = [["reason", labels.reason], ["count", labels.count], ["example", labels.example]];
      report.append(table("import-skipped", columns, body.skipped));
    }
    report.append(element("h2", labels.refused));
    const columns = [
      ["rule", labels.rule],
      ["count", labels.count],
      ["example", labels.example],
      ["row", labels.row],
      ["column", labels.column],
      ["message", labels.message],
    ];
    report.append(table("import-refused", columns, body.refused || []));
    if ((body.notes || []).length) {
      report.append(element("h2", labels.notes));
      const notes = element("ul");
      for (const note of body.notes) notes.append(element("li", note));
      report.append(notes);
    }
    if (body.refusedRowsFile) showRefusedRows(body.refusedRowsFile, body.refusedRowsFileName);
    // A retried import's stored answer keeps no personal data (services/common/import_once.py).
    else if (body.refusedRowsFileWithheld) report.append(element("p", labels.refused_rows_withheld));
  }

  function outcome(check, ok, body) {
    const refused = total(body.refused) > 0;
    if (check) return ok && !refused ? ["checked", labels.checked] : ["refused", labels.checked_refused];
    if (body.written) return ["written", labels.written];
    return ["refused", refused ? labels.refused_whole : labels.nothing_written];
  }

  async function send(check) {
    const file = byId("import-file").files[0];
    commitButton.disabled = true;
    report.dataset.state = "";
    report.replaceChildren();
    if (!file) {
      statusLine.textContent = labels.choose_file;
      report.dataset.state = "error";
      return;
    }
    const kind = byId("import-kind").value;
    checkButton.disabled = true;
    statusLine.textContent = labels.working;
    let answer = null;
    let body = null;
    if (!check) commitKey = commitKey || newKey();
    try {
      // Same-origin, with the sign-in cookie; the bytes as they are (never a form, which the
      // route refuses), the name %-encoded (header values are ASCII).
      answer = await fetch(`/imports/${encodeURIComponent(kind)}?${options(check)}`, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "content-type": "application/octet-stream",
          "x-partygrid-filename": encodeURIComponent(file.name),
          ...(check ? {} : { "idempotency-key": commitKey }),
        },
        body: file,
      });
      body = await answer.json();
    } catch (_failed) {
      body = { errors: [{ message: labels.failed, messageEn: labels.failed }] };
    } finally {
      checkButton.disabled = false;
    }
    const running = ((body && body.errors) || []).some((e) => e.code === "IN_PROGRESS");
    if (!check && answer && answer.status < 500 && !running) commitKey = null; // answered

    const kindLabel = labels[`kind_${kind}`] || kind;
    const named = element("p", `${labels.file_name}${english ? ": " : "："}${file.name} (${kindLabel})`);
    named.id = "import-file-name";
    report.append(named);
    if (!body || !Array.isArray(body.refused)) {
      statusLine.textContent = labels.failed;
      showErrors((body && body.errors) || [{ message: labels.failed, messageEn: labels.failed }]);
      report.dataset.state = "error";
      commitButton.disabled = !commitKey; // no answer yet: commit again, with the same key
      return;
    }
    const [state, message] = outcome(check, answer && answer.ok, body);
    statusLine.textContent = message;
    showReport(body);
    report.dataset.state = state;
    // With "only the rows that pass" chosen, a check that refused some rows but passed
    // others may be committed: the import writes those and returns the rest.
    const partial = byId("import-partial").checked;
    const passing = (body.read || 0) - total(body.refused) > 0;
    commitButton.disabled = !(check && (state === "checked" || (partial && passing)));
  }

  // Any change after a check: the commit must follow a check of exactly this choice.
  for (const id of ["import-kind", "import-crs", "import-community", "import-policy", "import-partial", "import-file"]) {
    byId(id).addEventListener("change", () => {
      commitButton.disabled = true;
      commitKey = null; // another choice is another import
    });
  }
  checkButton.addEventListener("click", () => send(true));
  commitButton.addEventListener("click", () => send(false));
})();
