// @ts-check
// Labels in English and Welsh (data-lang="cy"). Messages from the server stay in English.
const en = {
  loading: "Loading…",
  findTitle: "Find your MP",
  campaignBy: "A campaign by",
  postcode: "Your postcode",
  postcodeHint: "We use it only to find your MP. For example, SW1A 0AA.",
  findButton: "Find my MP",
  finding: "Finding your MP…",
  chooseTitle: "Choose your constituency",
  chooseLabel: "Your constituency",
  continue: "Continue",
  otherPostcode: "Enter a different postcode",
  yourMp: "Your MP",
  mpFor: "MP for",
  writeTitle: "Write to your MP",
  aboutYou: "About you",
  aboutYouHint:
    "Your MP will see your name, address and email address, so they know you are a constituent and can reply to you.",
  name: "Your full name",
  email: "Your email address",
  emailHint: "We'll email you a link to confirm before anything is sent.",
  address1: "Address line 1",
  address2: "Address line 2 (optional)",
  town: "Town or city",
  yourLetter: "Your letter",
  subject: "Subject",
  body: "Your message",
  bodyHint: "Please make it your own: say why this matters to you.",
  honeypot: "Leave this field empty",
  previewButton: "Preview your letter",
  privacyLink: "What we keep, and for how long",
  previewTitle: "Check your letter",
  previewIntro: "This is what your MP will receive.",
  to: "To",
  from: "From",
  sendButton: "Send my letter",
  sending: "Sending…",
  editButton: "Change my letter",
  sentTitle: "Check your email",
  sentBody:
    "We've sent you an email with a link. Your letter goes to your MP only when you open the link and press the button. Afterwards you can come back to this page.",
  problem: "There is a problem",
  required: {
    name: "Enter your full name.",
    email: "Enter your email address.",
    address1: "Enter the first line of your address.",
    town: "Enter your town or city.",
    postcode: "Enter your postcode.",
    subject: "Enter a subject.",
    body: "Write your message.",
  },
  badEmail: "Enter an email address like name@example.com.",
  tooLong: "This is too long.",
  network: "We couldn't reach the server. Check your connection and try again: nothing you wrote has been lost.",
  poweredBy: "Write to your MP",
  closed: "This campaign has closed. Thank you to everyone who wrote.",
  /** @type {(n: number, total: number) => string} */
  stepOf: (n, total) => `Step ${n} of ${total}`,
  /** @type {(percent: number, minimum: number) => string} */
  ownWords: (percent, minimum) =>
    `About ${percent}% in your own words` + (minimum ? ` (this campaign asks for at least ${minimum}%)` : ""),
};

const cy = {
  ...en,
  loading: "Yn llwytho…",
  findTitle: "Dewch o hyd i'ch AS",
  campaignBy: "Ymgyrch gan",
  postcode: "Eich cod post",
  postcodeHint: "Dim ond i ddod o hyd i'ch AS y byddwn yn ei ddefnyddio. Er enghraifft, CF10 1EP.",
  findButton: "Dod o hyd i fy AS",
  finding: "Yn chwilio am eich AS…",
  chooseTitle: "Dewiswch eich etholaeth",
  chooseLabel: "Eich etholaeth",
  continue: "Parhau",
  otherPostcode: "Rhoi cod post gwahanol",
  yourMp: "Eich AS",
  mpFor: "AS dros",
  writeTitle: "Ysgrifennu at eich AS",
  aboutYou: "Amdanoch chi",
  aboutYouHint:
    "Bydd eich AS yn gweld eich enw, eich cyfeiriad a'ch cyfeiriad e-bost, er mwyn gwybod eich bod yn etholwr a gallu ateb.",
  name: "Eich enw llawn",
  email: "Eich cyfeiriad e-bost",
  emailHint: "Byddwn yn anfon dolen atoch i gadarnhau cyn anfon dim.",
  address1: "Llinell gyntaf y cyfeiriad",
  address2: "Ail linell y cyfeiriad (dewisol)",
  town: "Tref neu ddinas",
  yourLetter: "Eich llythyr",
  subject: "Pwnc",
  body: "Eich neges",
  bodyHint: "Gwnewch hi'n eiddo i chi: dywedwch pam mae hyn yn bwysig i chi.",
  honeypot: "Gadewch y maes hwn yn wag",
  previewButton: "Rhagweld eich llythyr",
  privacyLink: "Beth rydyn ni'n ei gadw, ac am ba hyd",
  previewTitle: "Gwiriwch eich llythyr",
  previewIntro: "Dyma beth fydd eich AS yn ei gael.",
  to: "At",
  from: "Oddi wrth",
  sendButton: "Anfon fy llythyr",
  sending: "Yn anfon…",
  editButton: "Newid fy llythyr",
  sentTitle: "Gwiriwch eich e-bost",
  sentBody:
    "Rydym wedi anfon e-bost atoch gyda dolen. Dim ond ar ôl i chi agor y ddolen a phwyso'r botwm y bydd eich llythyr yn mynd at eich AS. Wedyn gallwch ddod yn ôl i'r dudalen hon.",
  problem: "Mae problem",
  required: {
    name: "Rhowch eich enw llawn.",
    email: "Rhowch eich cyfeiriad e-bost.",
    address1: "Rhowch linell gyntaf eich cyfeiriad.",
    town: "Rhowch eich tref neu ddinas.",
    postcode: "Rhowch eich cod post.",
    subject: "Rhowch bwnc.",
    body: "Ysgrifennwch eich neges.",
  },
  badEmail: "Rhowch gyfeiriad e-bost fel enw@enghraifft.com.",
  tooLong: "Mae hwn yn rhy hir.",
  network: "Doedd dim modd cyrraedd y gweinydd. Gwiriwch eich cysylltiad a rhowch gynnig arall arni: does dim byd a ysgrifennoch wedi'i golli.",
  closed: "Mae'r ymgyrch hon wedi cau. Diolch i bawb a ysgrifennodd.",
  /** @type {(n: number, total: number) => string} */
  stepOf: (n, total) => `Cam ${n} o ${total}`,
  /** @type {(percent: number, minimum: number) => string} */
  ownWords: (percent, minimum) =>
    `Tua ${percent}% yn eich geiriau eich hun` + (minimum ? ` (mae'r ymgyrch hon yn gofyn am o leiaf ${minimum}%)` : ""),
};

/** @typedef {typeof en} Strings */

/**
 * @param {string} lang
 * @returns {Strings}
 */
export function strings(lang) {
  return lang === "cy" ? cy : en;
}
