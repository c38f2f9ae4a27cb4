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

  // Close codes of a panel that answered but will not keep this page's socket: the session
  // ended (1008), too many are open (1013: the panel said why, in #live-refused), or an admin
  // removed or renamed the page's host (4404: the panel said so, in #host-gone).
  const ENDED = {1008: "ended", 1013: "refused", 4404: "gone"};

  // A page refused its live socket (1013) polls instead: it reloads itself every data-poll-ms
  // while it is shown and nobody is typing in it. htmx meanwhile tries the socket again, and
  // once one gets a place the page is live again (and sent what changed): polling stops.
  let polling = null;

  function pollInsteadOfLive() {
    if (polling) return;
    const live = liveElement();
    const everyMs = Number(live && live.dataset.pollMs) || 10000;
    polling = setInterval(() => {
      if (liveElement().dataset.state === "live") {
        clearInterval(polling);
        polling = null;
        return;
      }
      const active = document.activeElement;
      const typing = active && active.matches("input, select, textarea, dialog *");
      if (!document.hidden && !typing) window.location.reload();
    }, everyMs);
  }

  document.addEventListener("htmx:ws:after:connection", heardFromThePanel);
  document.addEventListener("htmx:ws:after:message:incoming", heardFromThePanel);
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
      if (event.detail.code === 1013) pollInsteadOfLive();
      if (event.detail.code === 1008) disableThePage();
      if (event.detail.code === 4404) disableThePage("host");
      return;
    }
    lostThePanel();
  });

  // The session ended elsewhere (the panel said why just before closing, in #session-ended),
  // or the page's host is gone ("host": the header's Log out still works): nothing on the page
  // can work any more, so nothing looks as if it could. Links to other pages still lead to the
  // login page, which comes back to them.
  let pageEnded = false;

  function disableThePage(what = "session") {
    pageEnded = true;
    if (what === "host") document.body.dataset.host = "gone";
    else document.body.dataset.session = "ended";
    const controls = "main :is(button, input, select, textarea)";
    document.querySelectorAll(what === "host" ? controls : `${controls}, .site-header button`)
      .forEach((control) => { control.disabled = true; });
    document.querySelectorAll("main a.button").forEach((link) => {
      link.setAttribute("aria-disabled", "true");
    });
  }

  document.addEventListener("click", (event) => {
    const link = pageEnded && event.target.closest && event.target.closest("a[aria-disabled]");
    if (link) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

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
  // A search form's empty fields and defaults (data-default) say nothing: they are left out of
  // its GET, and so out of the address bar htmx updates (no "&state=&provider=").
  document.addEventListener("htmx:config:request", (event) => {
    const request = event.detail.ctx.request;
    if (request.method !== "GET" || !(request.body instanceof FormData)) return;
    const form = request.form;
    for (const [name, value] of [...request.body.entries()]) {
      const field = form && form.elements.namedItem(name);
      const fallback = field && field.dataset ? field.dataset.default : undefined;
      if (value === "" || value === fallback) request.body.delete(name);
    }
  });

  // Times are written in UTC (<time datetime>); shown in the browser's zone, UTC on hover.
  const twoDigits = (number) => String(number).padStart(2, "0");
  const zoneName = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
    .formatToParts(new Date()).find((part) => part.type === "timeZoneName");

  function localise(element) {
    const moment = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) return;
    const utc = element.textContent.trim();
    const day = `${moment.getFullYear()}-${twoDigits(moment.getMonth() + 1)}-${twoDigits(moment.getDate())}`;
    const time = `${twoDigits(moment.getHours())}:${twoDigits(moment.getMinutes())}:${twoDigits(moment.getSeconds())}`;
    const withDay = /^\d{4}-\d{2}-\d{2}/.test(utc);  // as written: a date and time, or a time
    element.textContent = `${withDay ? day + " " : ""}${time}${zoneName ? " " + zoneName.value : ""}`;
    element.title = utc;
    element.dataset.local = "";
  }

  function localiseTimes() {
    document.querySelectorAll("time[datetime]:not([data-local])").forEach(localise);
  }

  // A row's control that had keyboard focus, named so that it can be found again in the row's
  // next version: an action (or a live update) replaces the whole row, and focus would fall
  // to the page's body.
  let lastFocus = null;

  function controlOf(element) {
    const view = element.closest && element.closest(".model-view[id]");
    if (!view) return null;
    const action = [...element.classList].find((name) => name.startsWith("action-"));
    return { viewId: view.id, selector: action ? `.${action}` : null };
  }

  document.addEventListener("focusin", (event) => { lastFocus = controlOf(event.target); });
  document.addEventListener("focusout", (event) => {
    const left = event.target;
    const record = lastFocus;
    // Moved on by the person (not removed, nor disabled while its request runs): forget it,
    // unless something newer was recorded meanwhile (the next control, a "Keep it").
    setTimeout(() => {
      if (left.isConnected && !left.disabled && lastFocus === record) lastFocus = null;
    });
  });

  // "Keep it" of a confirmation asked in place: focus goes back to the control that opened it
  // (named by the box) once the row is back.
  document.addEventListener("click", (event) => {
    const keep = event.target.closest && event.target.closest(".confirm-keep[data-opener]");
    const view = keep && keep.closest(".model-view[id]");
    if (view) lastFocus = { viewId: view.id, selector: `.${keep.dataset.opener}` };
  });

  function restoreFocus() {
    const focused = document.activeElement;
    if (!lastFocus || (focused && focused !== document.body)) return;
    const view = document.getElementById(lastFocus.viewId);
    if (!view) return;
    const target = (lastFocus.selector && view.querySelector(`${lastFocus.selector}:not([disabled])`))
      || view.querySelector(".actions button:not([disabled])")
      || view.querySelector(".progress button")
      || view.querySelector("a[href]");
    if (target) target.focus({ preventScroll: true });
  }

  // A confirmation that just opened takes focus on its question, never on its button: Enter
  // pressed twice must not do what it asks. Returns whether there was one.
  function focusNewConfirmation() {
    const question = document.querySelector(".confirm:not([data-asked]) .confirm-question");
    if (!question) return false;
    question.closest(".confirm").dataset.asked = "";
    question.focus({ preventScroll: true });
    return true;
  }


  // What screen readers are told: a model's new state or how its download ended (not every
  // frame of progress), and on a model's own page its progress in steps of 10 %.
  const heard = new Map();  // element id -> what was last said of it (or seen, at first)

  function announce(view) {
    const name = view.dataset.name;
    const ending = view.querySelector(".download-ending");
    const bar = view.classList.contains("card") && view.querySelector("progress");
    const step = bar ? Math.floor(bar.value / 10) * 10 : null;
    const said = [view.dataset.state, ending ? ending.textContent.trim() : "", step].join("|");
    const before = heard.get(view.id);
    heard.set(view.id, said);
    if (before === undefined || before === said) return null;
    const [oldState, oldEnding] = before.split("|");
    if (ending && ending.textContent.trim() !== oldEnding) return `${name}: ${ending.textContent.trim()}`;
    if (view.dataset.state !== oldState) return `${name}: ${view.dataset.state}`;
    return step === null ? null : `${name}: ${step} % downloaded`;
  }

  function announceChanges() {
    const announcer = document.getElementById("announcer");
    if (!announcer) return;
    const news = [...document.querySelectorAll(".model-view[id][data-state]")]
      .map(announce).filter(Boolean);
    if (news.length) announcer.textContent = news.join(". ");
  }

  function pageChanged() {
    localiseTimes();
    if (!focusNewConfirmation()) restoreFocus();
    announceChanges();
  }

  document.addEventListener("DOMContentLoaded", () => {
    localiseTimes();
    focusNewConfirmation();  // (a confirmation's own page)
    announceChanges();  // what the page shows at first is not news
    // Whatever htmx or the live socket puts in the page later.
    new MutationObserver(pageChanged).observe(document.body, { childList: true, subtree: true });
  });

  // htmx takes a swapped-in row's forms over a moment after the row is in the page (after its
  // settle delay). A click or an Enter in between would submit a form as a plain page load: it
  // is handed to htmx instead, so it acts in place like any other. (Submitted again once this
  // submission is over: a form does not start another one meanwhile.)
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.hasAttribute("data-htmx-powered")
        || !form.matches("[hx-post]")) return;
    event.preventDefault();
    htmx.process(form);
    const submitter = event.submitter;
    setTimeout(() => { if (form.isConnected) form.requestSubmit(submitter); });
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
