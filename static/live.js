// The header's live indicator, the "panel cannot be reached" notice and the error area of htmx
// requests, from what the page's own connection does: htmx's WebSocket events (the socket opened, a message came, it closed)
// and failed htmx requests. A file of its own: the Content-Security-Policy forbids inline scripts.
(() => {
  "use strict";

  let silenceTimer = null;

  function liveElement() {
    return document.getElementById("live");
  }

  // The state the indicator shows: "connecting", "live" or "lost" (see app.css).
  function show(state) {
    const live = liveElement();
    if (live) live.dataset.state = state;
  }

  function setUnreachable(unreachable) {
    const notice = document.getElementById("panel-unreachable");
    if (notice) notice.hidden = !unreachable;
  }

  // Anything that arrives proves the socket works; silence longer than the heartbeat allows
  // means it died without closing (a cable pulled, a laptop resumed).
  function heardFromThePanel() {
    show("live");
    setUnreachable(false);
    clearTimeout(silenceTimer);
    const live = liveElement();
    const silenceMs = Number(live && live.dataset.silenceMs) || 12000;
    silenceTimer = setTimeout(() => show("lost"), silenceMs);
  }

  function lostThePanel() {
    clearTimeout(silenceTimer);
    show("lost");
    setUnreachable(true);
  }

  document.addEventListener("htmx:ws:after:connection", heardFromThePanel);
  document.addEventListener("htmx:ws:after:message:incoming", heardFromThePanel);
  // Close codes of a panel that answered but will not keep this page's socket: the session
  // ended (1008), or too many are open (1013: the reason replaced the indicator).
  const ENDED = {1008: "ended", 1013: "refused"};

  document.addEventListener("htmx:ws:close", (event) => {
    // The page hid (htmx pauses the socket in background tabs) or left: nothing is wrong.
    if (event.detail.reason === "removed" || document.hidden) {
      clearTimeout(silenceTimer);
      show("connecting");
      return;
    }
    if (event.detail.code in ENDED) {
      clearTimeout(silenceTimer);
      show(ENDED[event.detail.code]);
      return;
    }
    lostThePanel();
  });

  // A request that got no answer at all (the panel is down, or the network), or a gateway's
  // error page instead of the panel's (502-504 from a proxy in front). The indicator keeps
  // showing the socket's own state.
  document.addEventListener("htmx:error", (event) => {
    const ctx = event.detail.ctx;
    if (ctx && !ctx.response) setUnreachable(true);
  });
  document.addEventListener("htmx:response:error", (event) => {
    const status = event.detail.ctx.response.status;
    if (status >= 502 && status <= 504) setUnreachable(true);
  });
  document.addEventListener("htmx:after:request", (event) => {
    const ctx = event.detail.ctx;
    if (!ctx || !ctx.response) return;
    if (ctx.response.status < 500) setUnreachable(false);
    // An error the panel answered is shown in #request-error until a request succeeds.
    const errorArea = document.getElementById("request-error");
    if (errorArea && ctx.response.status < 400) errorArea.replaceChildren();
  });
})();
