// @ts-check
// The widget's words. English is written here; every other language comes from
// the site's gettext catalogue (app/translations/<language>/LC_MESSAGES/messages.po),
// which build.mjs reads into the bundle, so the site and the widget share one
// translation. `_` marks each string for pybabel (babel.cfg); it changes nothing.
import { catalogues } from "virtual:catalogues";

/** @param {string} text */
const _ = (text) => text;

const en = {
  loading: _("Loading…"),
  findTitle: _("Find your MP"),
  campaignBy: _("A campaign by"),
  postcode: _("Your postcode"),
  postcodeHint: _("We use it only to find your MP. For example, SW1A 0AA."),
  findButton: _("Find my MP"),
  finding: _("Finding your MP…"),
  chooseTitle: _("Choose your constituency"),
  chooseLabel: _("Your constituency"),
  continue: _("Continue"),
  otherPostcode: _("Enter a different postcode"),
  yourMp: _("Your MP"),
  mpFor: _("MP for"),
  writeTitle: _("Write to your MP"),
  aboutYou: _("About you"),
  aboutYouHint:
    _("Your MP will see your name, address and email address, so they know you are a constituent and can reply to you."),
  name: _("Your full name"),
  email: _("Your email address"),
  emailHint: _("We'll email you a link to confirm before anything is sent."),
  address1: _("Address line 1"),
  address2: _("Address line 2 (optional)"),
  town: _("Town or city"),
  yourLetter: _("Your letter"),
  subject: _("Subject"),
  body: _("Your message"),
  bodyHint: _("Please make it your own: say why this matters to you."),
  honeypot: _("Leave this field empty"),
  previewButton: _("Preview your letter"),
  privacyLink: _("What we keep, and for how long"),
  previewTitle: _("Check your letter"),
  previewIntro: _("This is what your MP will receive."),
  to: _("To"),
  from: _("From"),
  sendButton: _("Send my letter"),
  sending: _("Sending…"),
  editButton: _("Change my letter"),
  sentTitle: _("Check your email"),
  sentBody:
    _("We've sent you an email with a link. Your letter goes to your MP only when you open the link and press the button. Afterwards you can come back to this page."),
  problem: _("There is a problem"),
  error: _("Error:"),
  required: {
    name: _("Enter your full name."),
    email: _("Enter your email address."),
    address1: _("Enter the first line of your address."),
    town: _("Enter your town or city."),
    postcode: _("Enter your postcode."),
    subject: _("Enter a subject."),
    body: _("Write your message."),
  },
  badEmail: _("Enter an email address like name@example.com."),
  tooLong: _("This is too long."),
  network: _("We couldn't reach the server. Check your connection and try again: nothing you wrote has been lost."),
  poweredBy: _("Write to your MP"),
  closed: _("This campaign has closed. Thank you to everyone who wrote."),
  stepOf: _("Step {n} of {total}"),
  ownWords: _("About {percent} in your own words"),
  ownWordsMinimum: _("(this campaign asks for at least {percent})"),
  // A campaign with targets: the same words as the site's page, so the same translation.
  writeLetter: _("Write your letter"),
  whoTitle: _("Who to write to"),
  whoSome: _("Tick who you want to write to. Each gets your letter as their own email."),
  whoOne: _("Choose who to write to."),
  whoAll: _("Your letter goes to each of them, as its own email."),
  always: _("(always)"),
  byPost: _("by post: you print and post it"),
  chooseSomeone: _("Choose at least one person to write to."),
  eachGetsIt: _("Each of them receives this letter as their own email, addressed to them."),
  theirSubject: _("Their subject: {subject}"),
  theirOpening: _("Their letter opens with the campaign's words, then yours: “{opening}”"),
};

/** @typedef {typeof en} Strings */

/**
 * `text` with each {name} in it replaced by values[name].
 * @param {string} text
 * @param {Record<string, string | number>} values
 */
export function say(text, values) {
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

/**
 * The language a host asks for (data-lang), if this build has its catalogue;
 * else English.
 * @param {string | undefined} asked
 * @returns {string}
 */
export function language(asked) {
  return asked && Object.prototype.hasOwnProperty.call(catalogues, asked) ? asked : "en";
}

/**
 * The widget's words in `lang`: English, or the catalogue's translation of each.
 * @param {string} lang
 * @returns {Strings}
 */
export function strings(lang) {
  const catalogue = catalogues[lang];
  if (!catalogue) return en;
  /** @type {(text: string) => string} */
  const tr = (text) => catalogue[text] || text;
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, value] of Object.entries(en)) {
    out[key] = typeof value === "string" ? tr(value) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tr(v)]));
  }
  return /** @type {Strings} */ (out);
}
