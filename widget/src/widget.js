// @ts-check
// One widget: postcode -> MP -> letter -> preview -> "check your email".
import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { language, say, strings } from "./i18n.js";
import { ownPercent } from "./ownwords.js";
import { css, textOn } from "./styles.js";

/**
 * @import { ApiError, Campaign, Choose, Lookup, Offer, Seat, Target } from "./api.js"
 * @import { Strings } from "./i18n.js"
 */
/**
 * A letter field's name.
 * @typedef {keyof typeof LIMITS} Field
 *
 * What the constituent has entered so far.
 * @typedef {Partial<Record<Field, string>>} Values
 *
 * Error messages by field name (the server's may name others, such as form_ticket).
 * @typedef {Record<string, string>} Errors
 *
 * @typedef {object} State
 * @property {Campaign | null} campaign
 * @property {string} ticket
 * @property {Seat | null} seat
 * @property {string} chosen The constituency picked from a list, or "".
 * @property {Values} values
 * @property {string} honeypot
 * @property {boolean} [subscribe]
 * @property {Offer | null} offer Who the writer may write to, in a campaign with targets.
 * @property {string[]} ticked Who they chose ("mp" for their MP).
 *
 * The forms, with the controls each step gives them.
 * @typedef {HTMLFormElement & { elements: { postcode: HTMLInputElement } }} PostcodeForm
 * @typedef {HTMLFormElement & { elements: { constituency: RadioNodeList | HTMLInputElement | HTMLSelectElement } }} ChooseForm
 * @typedef {HTMLFormElement & { elements: Record<Field, HTMLInputElement | HTMLTextAreaElement> & { website: HTMLInputElement, alerts: HTMLInputElement } }} LetterForm
 */

/** @type {Array<keyof Strings["required"]>} */
const REQUIRED = ["name", "email", "address1", "town", "postcode", "subject", "body"];
const LIMITS = { name: 100, email: 254, address1: 100, address2: 100, town: 60, postcode: 16, subject: 200, body: 20000 };
const ACCENT = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const mounted = new WeakSet();

/**
 * @param {string} template
 * @param {Seat} seat
 */
function fill(template, seat) {
  return (template || "")
    .split("{mp_name}").join(seat.mp.name)
    .split("{constituency}").join(seat.constituency.name);
}

/** @param {ShadowRoot} shadow */
function styleSheet(shadow) {
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = [sheet];
      return;
    } catch (_) {
      // Older engines: fall through to a style element.
    }
  }
  shadow.append(h("style", {}, css));
}

/**
 * @param {HTMLElement} host
 * @param {string} base The API's origin: where the script came from.
 */
export function mount(host, base) {
  if (mounted.has(host)) return;
  mounted.add(host);
  const options = {
    // index.js mounts only elements with data-campaign, as WriteToYourMP.mount() callers must.
    campaign: /** @type {string} */ (host.dataset.campaign),
    partner: host.dataset.partner || "",
    accent: ACCENT.test(host.dataset.accent || "") ? /** @type {string} */ (host.dataset.accent) : "#00703c",
    lang: language(host.dataset.lang),
    compact: host.dataset.layout === "compact",
  };
  const t = strings(options.lang);
  const client = api(host.dataset.api || base, options.partner, options.lang);
  // Open, not closed: a closed root stops no determined host script (it can
  // patch attachShadow first), while host CSS and querySelector never cross
  // an open one either; open lets tests and assistive tools see inside.
  const shadow = host.attachShadow({ mode: "open" });
  styleSheet(shadow);

  const main = h("div", {});
  const live = h("p", { class: "sr", "aria-live": "polite" });
  const root = h("section", { class: options.compact ? "w compact" : "w", lang: options.lang }, main, live);
  root.style.setProperty("--accent", options.accent);
  root.style.setProperty("--accent-text", textOn(options.accent));
  shadow.append(root);

  // campaign is null until start() loads it, and seat until one is found; the
  // steps that read them run only after, so they cast: /** @type {Campaign} */.
  /** @type {State} */
  const state = { campaign: null, ticket: "", seat: null, chosen: "", values: {}, honeypot: "", offer: null, ticked: [] };

  // Show a step: replace the content, move focus to its heading, announce it.
  /**
   * @param {string} heading
   * @param {...(Node | string)} content
   */
  function show(heading, ...content) {
    const title = h("h2", { tabindex: "-1" }, heading);
    main.replaceChildren(title, ...content, footer());
    live.textContent = heading;
    return title;
  }
  /**
   * @param {string} heading
   * @param {...(Node | string)} content
   */
  function showAndFocus(heading, ...content) {
    const title = show(heading, ...content);
    title.focus({ preventScroll: false });
    return title;
  }

  function footer() {
    if (!state.campaign) return "";
    const href = `${host.dataset.api || base}/c/${encodeURIComponent(options.campaign)}`;
    return h("p", { class: "foot" }, h("a", { href, target: "_blank", rel: "noopener" }, t.poweredBy));
  }

  /**
   * @param {string | null} text
   * @param {(() => void) | null} [retry]
   */
  function notice(text, retry) {
    showAndFocus(
      state.campaign ? state.campaign.title : t.findTitle,
      h("p", {}, text),
      retry ? h("button", { type: "button", class: "secondary", onclick: retry }, t.continue) : "",
    );
  }

  /**
   * Mark a button busy; returns a function that restores it.
   * @param {HTMLElement} button
   * @param {string} text
   */
  function busy(button, text) {
    const label = button.textContent;
    button.setAttribute("aria-disabled", "true");
    button.textContent = text;
    return () => {
      button.removeAttribute("aria-disabled");
      button.textContent = label;
    };
  }

  /**
   * @param {Field} name
   * @param {string} label
   * @param {{ hint?: string, type?: string, value?: string, error?: string, multiline?: boolean, short?: boolean, autocomplete?: string }} [options]
   */
  function field(name, label, { hint, type = "text", value = "", error, multiline, short, autocomplete } = {}) {
    const id = uid(name);
    const described = [];
    const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : "";
    if (hint) described.push(`${id}-hint`);
    const errorEl = error ? h("p", { class: "msg", id: `${id}-error` }, h("span", { class: "sr" }, `${t.error} `), error) : "";
    if (error) described.push(`${id}-error`);
    const attrs = {
      id,
      name,
      type: multiline ? undefined : type,
      class: short ? "short" : undefined,
      autocomplete,
      maxlength: LIMITS[name],
      "aria-describedby": described.join(" ") || undefined,
      "aria-invalid": error ? "true" : undefined,
      spellcheck: type === "email" || name === "postcode" ? "false" : undefined,
      rows: multiline ? 14 : undefined,
    };
    const input = multiline ? h("textarea", attrs) : h("input", attrs);
    input.value = value;
    return h("div", { class: error ? "field error" : "field" }, h("label", { for: id }, label), hintEl, errorEl, input);
  }

  /**
   * "About 60% in your own words", live under the letter while it is typed.
   * @param {LetterForm} form
   */
  function ownWordsMeter(form) {
    const campaign = /** @type {Campaign} */ (state.campaign);
    const seat = /** @type {Seat} */ (state.seat);
    const body = /** @type {HTMLTextAreaElement} */ (form.elements.body);
    const name = /** @type {HTMLInputElement} */ (form.elements.name);
    const minimum = campaign.min_own_words_percent || 0;
    const out = h("p", { class: "hint", id: `${body.id}-own-words`, "aria-live": "polite" });
    body.insertAdjacentElement("afterend", out);
    const update = () => {
      const writer = name.value.trim();
      const template = fill(campaign.body_template, seat).split("{constituent_name}").join(writer || "{constituent_name}");
      const percent = ownPercent(body.value, template, [seat.mp.name, seat.constituency.name, writer]);
      out.textContent =
        say(t.ownWords, { percent: `${percent}%` }) + (minimum ? ` ${say(t.ownWordsMinimum, { percent: `${minimum}%` })}` : "");
    };
    body.addEventListener("input", update);
    name.addEventListener("input", update);
    update();
  }

  /**
   * @param {Errors} errors
   * @param {HTMLFormElement} form
   */
  function errorSummary(errors, form) {
    const names = Object.keys(errors);
    if (!names.length) return "";
    return h(
      "div",
      { class: "summary", role: "alert" },
      h("h3", {}, t.problem),
      h(
        "ul",
        {},
        names.map((name) =>
          h(
            "li",
            {},
            h(
              "a",
              {
                href: "#",
                onclick: (event) => {
                  event.preventDefault();
                  const target = /** @type {HTMLElement | null} */ (form.querySelector(`[name="${name}"]`));
                  if (target) target.focus();
                },
              },
              errors[name],
            ),
          ),
        ),
      ),
    );
  }

  // Step 1: the postcode.
  /** @param {string} [error] */
  function postcodeStep(error) {
    const form = /** @type {PostcodeForm} */ (
      h(
        "form",
        { novalidate: true },
        field("postcode", t.postcode, { hint: t.postcodeHint, value: state.values.postcode || "", error, short: true, autocomplete: "postal-code" }),
        h("button", { type: "submit" }, t.findButton),
      )
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const postcode = form.elements.postcode.value.trim();
      state.values.postcode = postcode;
      if (!postcode) return postcodeStep(t.required.postcode);
      const done = busy(/** @type {HTMLButtonElement} */ (form.querySelector("button")), t.finding);
      client.representatives(postcode).then(found, /** @param {ApiError} e */ (e) => {
        done();
        if (e.code === "partner_disabled" || e.code === "unknown_partner") return notice(e.message);
        postcodeStep(e.status === 0 ? t.network : e.message);
      });
    });
    const campaign = /** @type {Campaign} */ (state.campaign);
    const intro = options.compact ? "" : h("p", { class: "intro" }, campaign.summary);
    const title = show(campaign.title, h("p", { class: "steps" }, say(t.stepOf, { n: 1, total: 4 })), byline(campaign), intro, form);
    if (error) {
      form.elements.postcode.focus();
      live.textContent = error;
    }
    return title;
  }

  /** @param {Lookup} data */
  function found(data) {
    state.values.postcode = data.postcode;
    if (!data.constituency) return chooseStep(data);
    state.chosen = "";
    seatChosen({ constituency: data.constituency, mp: data.mp });
  }

  /** @param {Seat} seat */
  function seatChosen(seat) {
    state.seat = seat;
    // Who else the campaign writes to here: the letter may not go to the MP at all.
    client.targets(options.campaign, /** @type {string} */ (state.values.postcode), state.chosen).then(
      (offer) => {
        state.offer = offer.targets ? offer : null;
        state.ticked = offer.ticked || [];
        if (state.offer && state.offer.mp_choice === "offered" && !seat.mp.can_email) {
          // An MP we cannot email is not offered here: the widget has no page to print from.
          state.offer = { ...state.offer, mp_choice: "never" };
          state.ticked = state.ticked.filter((value) => value !== "mp");
          if (!(state.offer.targets || []).length) return unreachableStep(seat);
        }
        const toMp = !state.offer || state.offer.mp_choice === "always";
        if (toMp && !seat.mp.can_email) return unreachableStep(seat);
        state.values.subject = fill(/** @type {Campaign} */ (state.campaign).subject_template, seat);
        state.values.body = fill(/** @type {Campaign} */ (state.campaign).body_template, seat);
        composeStep({});
      },
      /** @param {ApiError} e */ (e) => postcodeStep(e.status === 0 ? t.network : e.message),
    );
  }

  // Who the letter goes to, in a campaign with targets: tick boxes (or radio
  // buttons for one), or a list when the writer does not choose.
  /** @param {Offer} offer @param {Seat} seat @param {string} [error] */
  function recipientsField(offer, seat, error) {
    const fixed = offer.choice === "all";
    const type = offer.choice === "one" ? "radio" : "checkbox";
    const hintId = uid("who-hint");
    const errorId = uid("who-error");
    /** @param {string} value @param {string} label @param {string} detail @param {boolean} tickable */
    const item = (value, label, detail, tickable) => {
      if (!tickable) return h("li", {}, label, " ", h("span", { class: "hint" }, detail));
      const id = uid("who");
      const box = h("input", { type, id, name: "targets", value });
      box.checked = state.ticked.includes(value);
      return h("li", { class: "check" }, box, h("label", { for: id }, label, " ", h("span", { class: "hint" }, detail)));
    };
    const mp = offer.mp_choice === "never"
      ? ""
      : item("mp", seat.mp.name, `${t.yourMp}, ${seat.constituency.name}${offer.mp_choice === "always" && !fixed ? ` ${t.always}` : ""}`,
        offer.mp_choice === "offered" && !fixed);
    const targets = (offer.targets || []).map((target) =>
      item(target.value, target.name, `${target.role}, ${target.body}${target.by_post ? ` (${t.byPost})` : ""}`, !fixed));
    return h(
      "fieldset",
      { "aria-describedby": error ? `${hintId} ${errorId}` : hintId, class: error ? "field error" : "field" },
      h("legend", {}, t.whoTitle),
      h("p", { class: "hint", id: hintId }, fixed ? t.whoAll : offer.choice === "one" ? t.whoOne : t.whoSome),
      error ? h("p", { class: "msg", id: errorId }, h("span", { class: "sr" }, `${t.error} `), error) : "",
      h("ul", { class: "who" }, mp, targets),
    );
  }

  // "A campaign by ...": who is behind it, linked when they gave an address.
  /** @param {Campaign} campaign */
  function byline(campaign) {
    const b = campaign.branding;
    if (!b || !b.organisation_name) return "";
    const who = /^https?:\/\//.test(b.organisation_url)
      ? h("a", { href: b.organisation_url, target: "_blank", rel: "noopener" }, b.organisation_name)
      : b.organisation_name;
    return h("p", { class: "by" }, t.campaignBy, " ", who);
  }

  function startAgain() {
    return h("p", {}, h("button", { type: "button", class: "link", onclick: () => postcodeStep().focus() }, t.otherPostcode));
  }

  // Northern Ireland, or a postcode in no constituency: the constituent chooses.
  /** @param {Choose} data */
  function chooseStep(data) {
    const fewChoices = data.choices.length <= 30;
    const name = "constituency";
    const choices = fewChoices
      ? h(
          "fieldset",
          {},
          h("legend", {}, t.chooseLabel),
          data.choices.map((choice) => {
            const id = uid("c");
            return h(
              "div",
              { class: "radio" },
              h("input", { type: "radio", id, name, value: choice.constituency.gss_code }),
              h("label", { for: id }, `${choice.constituency.name} (${choice.mp.name})`),
            );
          }),
        )
      : h(
          "div",
          { class: "field" },
          h("label", { for: "choice" }, t.chooseLabel),
          h(
            "select",
            { id: "choice", name },
            h("option", { value: "" }, t.chooseLabel),
            data.choices.map((c) => h("option", { value: c.constituency.gss_code }, `${c.constituency.name} (${c.mp.name})`)),
          ),
        );
    const form = /** @type {ChooseForm} */ (h("form", { novalidate: true }, choices, h("button", { type: "submit" }, t.continue)));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const picked = fewChoices
        ? /** @type {{ value?: string }} */ (form.querySelector("input:checked") || {}).value
        : form.elements[name].value;
      const choice = data.choices.find((c) => c.constituency.gss_code === picked);
      if (!choice) return;
      state.chosen = /** @type {string} */ (picked); // a choice has this code
      seatChosen(choice);
    });
    showAndFocus(t.chooseTitle, h("p", {}, data.message), form, startAgain());
  }

  /** @param {Seat} seat */
  function mpCard(seat) {
    return h(
      "div",
      { class: "mp" },
      h("p", {}, t.yourMp),
      h("p", { class: "name" }, seat.mp.name),
      h("p", {}, `${seat.mp.party ? `${seat.mp.party}, ` : ""}${t.mpFor} ${seat.constituency.name}`),
    );
  }

  /** @param {Seat} seat */
  function unreachableStep(seat) {
    showAndFocus(
      seat.mp.status === "vacant" ? seat.constituency.name : seat.mp.name,
      h("p", {}, seat.mp.message),
      h("p", {}, h("a", { href: seat.mp.contact_url, target: "_blank", rel: "noopener" }, seat.mp.contact_url)),
      startAgain(),
    );
  }

  /** @param {LetterForm} form */
  function collect(form) {
    for (const name of /** @type {Field[]} */ (Object.keys(LIMITS))) {
      if (form.elements[name]) state.values[name] = form.elements[name].value;
    }
    state.honeypot = form.elements.website.value;
    state.subscribe = form.elements.alerts.checked;
    if (state.offer && state.offer.choice !== "all") {
      state.ticked = Array.from(form.querySelectorAll('input[name="targets"]:checked'), (box) => /** @type {HTMLInputElement} */ (box).value);
    }
  }

  function check() {
    /** @type {Errors} */
    const errors = {};
    for (const name of REQUIRED) {
      if (!(state.values[name] || "").trim()) errors[name] = t.required[name];
    }
    if (!errors.email && !EMAIL.test(/** @type {string} */ (state.values.email).trim())) errors.email = t.badEmail;
    for (const [name, limit] of /** @type {[Field, number][]} */ (Object.entries(LIMITS))) {
      if (!errors[name] && (state.values[name] || "").length > limit) errors[name] = t.tooLong;
    }
    const choosing = state.offer && state.offer.choice !== "all";
    if (choosing && !state.ticked.length && !(state.offer && state.offer.mp_choice === "always")) {
      errors.targets = t.chooseSomeone;
    }
    return errors;
  }

  // Beside every button that sends personal data: what the site keeps.
  function privacyLink() {
    const url = /** @type {Campaign} */ (state.campaign).privacy_url;
    return h("p", { class: "hint" }, h("a", { href: url, target: "_blank", rel: "noopener" }, t.privacyLink));
  }

  // The campaign's own consent wording, shown exactly as it is stored.
  function alertsBox() {
    const id = uid("alerts");
    const box = h("input", { type: "checkbox", id, name: "alerts" });
    box.checked = Boolean(state.subscribe);
    return h("div", { class: "check" }, box, h("label", { for: id }, /** @type {Campaign} */ (state.campaign).consent_wording));
  }

  // Step 2: the letter.
  /** @param {Errors} errors */
  function composeStep(errors) {
    const v = state.values;
    const e = errors || {};
    const offer = state.offer;
    const seat = /** @type {Seat} */ (state.seat);
    const form = /** @type {LetterForm} */ (h(
      "form",
      { novalidate: true },
      offer ? recipientsField(offer, seat, e.targets) : "",
      h(
        "fieldset",
        {},
        h("legend", {}, t.aboutYou),
        h("p", { class: "hint" }, t.aboutYouHint),
        field("name", t.name, { value: v.name, error: e.name, autocomplete: "name" }),
        field("email", t.email, { type: "email", hint: t.emailHint, value: v.email, error: e.email, autocomplete: "email" }),
        field("address1", t.address1, { value: v.address1, error: e.address1, autocomplete: "address-line1" }),
        field("address2", t.address2, { value: v.address2, error: e.address2, autocomplete: "address-line2" }),
        field("town", t.town, { value: v.town, error: e.town, autocomplete: "address-level2" }),
        field("postcode", t.postcode, { value: v.postcode, error: e.postcode || e.constituency, short: true, autocomplete: "postal-code" }),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, t.yourLetter),
        field("subject", t.subject, { value: v.subject, error: e.subject }),
        field("body", t.body, { hint: t.bodyHint, value: v.body, error: e.body, multiline: true }),
      ),
      alertsBox(),
      h("div", { class: "hp", "aria-hidden": "true" }, h("label", {}, t.honeypot, h("input", { name: "website", tabindex: "-1", autocomplete: "off" }))),
      h("button", { type: "submit" }, t.previewButton),
      privacyLink(),
    ));
    form.elements.website.value = state.honeypot;
    ownWordsMeter(form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      collect(form);
      const found = check();
      if (Object.keys(found).length) return composeStep(found);
      previewStep();
    });
    const summary = errorSummary(e, form);
    const card = offer && offer.mp_choice === "never" ? "" : mpCard(seat);
    const title = show(offer ? t.writeLetter : t.writeTitle, h("p", { class: "steps" }, say(t.stepOf, { n: 2, total: 4 })), summary, card, startAgain(), form);
    const first = Object.keys(e)
      .map((name) => /** @type {HTMLElement | null} */ (form.querySelector(`[name="${name === "constituency" ? "postcode" : name}"]`)))
      .find(Boolean);
    if (first) {
      first.focus();
      live.textContent = `${t.problem}: ${Object.values(e)[0]}`;
    } else {
      title.focus();
    }
  }

  // Step 3: the preview, then send.
  /** @param {string} [error] */
  function previewStep(error) {
    const v = state.values;
    const body = (v.body || "").split("{constituent_name}").join(/** @type {string} */ (v.name).trim()); // required by check()
    const address = [v.name, v.address1, v.address2, v.town, v.postcode].filter((x) => (x || "").trim()).join("\n");
    const send = h("button", { type: "button" }, t.sendButton);
    const edit = h("button", { type: "button", class: "secondary", onclick: () => composeStep({}) }, t.editButton);
    const problem = error ? h("p", { class: "msg", role: "alert" }, error) : "";
    send.addEventListener("click", () => {
      if (send.getAttribute("aria-disabled")) return; // one send per click
      const done = busy(send, t.sending);
      const page = `${location.origin}${location.pathname}${location.search}`;
      client
        .submit(options.campaign, {
          name: v.name, email: v.email, address1: v.address1, address2: v.address2 || "", town: v.town,
          postcode: v.postcode, subject: v.subject, body: v.body, constituency: state.chosen,
          form_ticket: state.ticket, website: state.honeypot, page_url: page, subscribe: Boolean(state.subscribe),
          ...(state.offer ? { targets: chosenValues(state.offer) } : {}),
        })
        .then(sentStep, /** @param {ApiError} e */ (e) => {
          done();
          if (e.code === "invalid" && e.fields.form_ticket) return refreshTicket(() => previewStep(e.fields.form_ticket));
          if (e.code === "invalid") return composeStep(e.fields);
          if (e.code === "mp_unreachable") return unreachableStep(/** @type {Seat} */ (state.seat));
          if (e.code === "duplicate" || e.code === "campaign_closed" || e.code === "partner_disabled") return notice(e.message);
          previewStep(e.status === 0 ? t.network : e.message);
        });
    });
    const title = show(
      t.previewTitle,
      h("p", { class: "steps" }, say(t.stepOf, { n: 3, total: 4 })),
      h("p", {}, state.offer ? t.eachGetsIt : t.previewIntro),
      h(
        "div",
        { class: "letter", role: "document" },
        h("p", { class: "meta" }, h("b", {}, `${t.to}: `), recipientNames().join("; ")),
        h("p", { class: "meta" }, h("b", {}, `${t.subject}: `), v.subject),
        h("p", {}, address),
        body,
      ),
      problem,
      send,
      privacyLink(),
      edit,
    );
    if (error) live.textContent = error;
    (error ? send : title).focus();
  }

  // What the letter's `targets` say: everyone listed when the writer does
  // not choose (a letter without them goes to the MP alone).
  /** @param {Offer} offer */
  function chosenValues(offer) {
    if (offer.choice !== "all") return state.ticked;
    return [...(offer.mp_choice === "never" ? [] : ["mp"]), ...(offer.targets || []).map((target) => target.value)];
  }

  // Who the letter goes to, as the preview says it.
  function recipientNames() {
    const seat = /** @type {Seat} */ (state.seat);
    const mp = `${seat.mp.name}, ${t.mpFor} ${seat.constituency.name}`;
    const offer = state.offer;
    if (!offer) return [mp];
    const all = offer.choice === "all";
    const toMp = offer.mp_choice === "always" || (offer.mp_choice === "offered" && (all || state.ticked.includes("mp")));
    const targets = (offer.targets || []).filter((target) => all || state.ticked.includes(target.value));
    return [...(toMp ? [mp] : []), ...targets.map((target) => [`${target.name}, ${target.role}`, ...variantWords(target)].join(" "))];
  }

  // What the campaign's letter to a supporter or an opponent says differently.
  /** @param {Target} target */
  function variantWords(target) {
    const variant = target.variant;
    if (!variant) return [];
    return [
      ...(variant.subject ? [`(${say(t.theirSubject, { subject: variant.subject })})`] : []),
      ...(variant.opening ? [`(${say(t.theirOpening, { opening: variant.opening })})`] : []),
    ];
  }

  /** @param {() => void} then */
  function refreshTicket(then) {
    client.campaign(options.campaign).then((c) => {
      state.ticket = c.form_ticket;
      then();
    }, then);
  }

  function sentStep() {
    showAndFocus(t.sentTitle, h("p", { class: "steps" }, say(t.stepOf, { n: 4, total: 4 })), h("div", { class: "panel", role: "status" }, h("p", {}, t.sentBody)));
  }

  function start() {
    main.replaceChildren(h("p", { "aria-busy": "true" }, t.loading));
    client.campaign(options.campaign).then(
      (campaign) => {
        state.campaign = campaign;
        state.ticket = campaign.form_ticket;
        // The campaign's colour, unless the partner chose one (data-accent).
        const accent = campaign.branding ? campaign.branding.accent_colour : "";
        if (!ACCENT.test(host.dataset.accent || "") && ACCENT.test(accent)) {
          root.style.setProperty("--accent", accent);
          root.style.setProperty("--accent-text", textOn(accent));
        }
        if (campaign.partner && !campaign.partner.active) return notice(campaign.partner.notice);
        if (campaign.status !== "live") return notice(t.closed);
        postcodeStep();
        host.dispatchEvent(new CustomEvent("writetoyourmp:ready", { bubbles: true, detail: { ms: performance.now() } }));
      },
      /** @param {ApiError} e */ (e) => notice(e.status === 0 ? t.network : e.message, e.status === 0 ? start : null),
    );
  }

  start();
}

