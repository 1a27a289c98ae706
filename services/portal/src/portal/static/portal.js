// Evidence upload: drag and drop, checks before sending, and progress while the file travels.
// Without this script the same form still works as a plain multipart post.
(function () {
  "use strict";

  function formOf(el) { return el && el.closest ? el.closest("form.evidence-upload") : null; }

  function say(form, text, isError) {
    var status = form.querySelector(".upload-status");
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function refusal(form, file) {
    if (!file) { return form.dataset.msgNone; }
    var types = (form.dataset.types || "").split(",");
    var extensions = (form.dataset.extensions || "").split(",");
    var name = file.name.toLowerCase();
    var typeOk = types.indexOf(file.type) >= 0 || extensions.some(function (e) { return e && name.endsWith(e); });
    if (!typeOk) { return form.dataset.msgType.replace("{name}", file.name); }
    if (file.size > Number(form.dataset.maxBytes)) { return form.dataset.msgSize.replace("{name}", file.name); }
    return null;
  }

  function send(form, file) {
    var problem = refusal(form, file);
    if (problem) { say(form, problem, true); return; }
    var data = new FormData(form);
    data.set("file", file, file.name);
    var bar = form.querySelector("progress");
    var button = form.querySelector("button[type=submit]");
    bar.hidden = false; bar.value = 0; button.disabled = true;
    say(form, form.dataset.msgSending.replace("{name}", file.name), false);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Upload", "1");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); } };
    xhr.onload = function () {
      var target = form.closest("[data-item]");
      if (xhr.getResponseHeader("HX-Redirect")) { window.location = xhr.getResponseHeader("HX-Redirect"); return; }
      if (target && xhr.responseText) {
        target.outerHTML = xhr.responseText;
      } else {
        button.disabled = false; bar.hidden = true;
        say(form, form.dataset.msgFailed, true);
      }
    };
    xhr.onerror = function () { button.disabled = false; bar.hidden = true; say(form, form.dataset.msgFailed, true); };
    xhr.send(data);
  }

  document.addEventListener("submit", function (e) {
    var form = formOf(e.target);
    if (!form || !window.FormData) { return; }
    e.preventDefault();
    send(form, form.querySelector("input[type=file]").files[0]);
  });

  document.addEventListener("change", function (e) {
    var form = formOf(e.target);
    if (form && e.target.type === "file") {
      var problem = refusal(form, e.target.files[0]);
      if (problem) { say(form, problem, true); } else { say(form, "", false); }
    }
  });

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var zone = e.target.closest ? e.target.closest(".dropzone") : null;
      if (zone) { e.preventDefault(); zone.classList.add("over"); }
    });
  });
  document.addEventListener("dragleave", function (e) {
    var zone = e.target.closest ? e.target.closest(".dropzone") : null;
    if (zone) { zone.classList.remove("over"); }
  });
  document.addEventListener("drop", function (e) {
    var zone = e.target.closest ? e.target.closest(".dropzone") : null;
    if (!zone) { return; }
    e.preventDefault();
    zone.classList.remove("over");
    var form = formOf(zone);
    if (form && e.dataTransfer.files.length) { send(form, e.dataTransfer.files[0]); }
  });
})();
