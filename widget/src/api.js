// @ts-check
// The JSON API, called cross-origin without credentials: no cookies either way.

// The shapes the widget reads from the API (see the README's API section).
/**
 * @typedef {object} Constituency
 * @property {string} name
 * @property {string} gss_code
 *
 * @typedef {object} MP
 * @property {string} name
 * @property {string} party
 * @property {boolean} can_email
 * @property {"ok" | "no_email" | "vacant"} status
 * @property {string} contact_url
 * @property {string | null} message Why the MP can't be emailed; null if they can.
 *
 * @typedef {object} Seat
 * @property {Constituency} constituency
 * @property {MP} mp
 *
 * @typedef {Seat & { postcode: string }} Found
 *
 * @typedef {object} Choose The postcode spans constituencies: the constituent picks one.
 * @property {string} postcode
 * @property {null} constituency
 * @property {null} mp
 * @property {string} reason
 * @property {string} message
 * @property {Seat[]} choices
 *
 * @typedef {Found | Choose} Lookup
 *
 * @typedef {object} Partner
 * @property {string} slug
 * @property {string} name
 * @property {boolean} active
 * @property {string | null} notice Shown instead of the form when the partner is switched off.
 *
 * @typedef {object} Campaign The fields of GET /campaigns/<slug> that the widget uses.
 * @property {string} title
 * @property {string} summary
 * @property {"draft" | "live" | "closed"} status
 * @property {string} subject_template
 * @property {string} body_template
 * @property {number} [min_own_words_percent] A letter with less in the writer's own words is refused.
 * @property {string} form_ticket
 * @property {string} consent_wording
 * @property {string} privacy_url The site's privacy notice.
 * @property {Partner} [partner] Present when the request names a partner.
 * @property {Branding} [branding] Who runs the campaign, and its colour.
 *
 * @typedef {object} Branding
 * @property {string} organisation_name
 * @property {string} organisation_url
 * @property {string} accent_colour "#rrggbb", checked for white text; "" for none.
 *
 * @typedef {object} Letter The body of POST /campaigns/<slug>/messages.
 * @property {string} [name]
 * @property {string} [email]
 * @property {string} [address1]
 * @property {string} address2
 * @property {string} [town]
 * @property {string} [postcode]
 * @property {string} [subject]
 * @property {string} [body]
 * @property {string} constituency
 * @property {string} form_ticket
 * @property {string} website
 * @property {string} page_url
 * @property {boolean} subscribe
 * @property {string[]} [targets] Who it goes to, in a campaign with targets.
 *
 * @typedef {object} Target One of the campaign's targets at the writer's postcode.
 * @property {string} value What the letter's `targets` names it by.
 * @property {string} name
 * @property {string} role
 * @property {string} body
 * @property {boolean} by_post
 * @property {{ subject: string | null, opening: string | null } | null} [variant] What the
 *   campaign's letter to this supporter or opponent says differently.
 *
 * @typedef {object} Offer GET /campaigns/<slug>/targets: who the writer may write to.
 * @property {Target[] | null} targets null: the campaign writes to the MP alone.
 * @property {"always" | "offered" | "never"} [mp_choice]
 * @property {"some" | "one" | "all"} [choice]
 * @property {number} [most] At most this many recipients (0: no limit).
 * @property {string[]} [ticked] What the form starts with ("mp" for the MP).
 *
 * @typedef {object} ErrorBody
 * @property {{ code: string, message?: string, fields?: Record<string, string>, choices?: Seat[] }} [error]
 */

export class ApiError extends Error {
  /**
   * @param {number} status The HTTP status, or 0 when the server could not be reached.
   * @param {ErrorBody | null} body
   */
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : "network";
    this.fields = (body && body.error && body.error.fields) || {};
    this.choices = body && body.error ? body.error.choices : undefined;
  }
}

/**
 * @param {string} base The API's origin ("" for the page's own).
 * @param {string} partner
 * @param {string} lang The widget's language: the site answers in it (its messages, the campaign's texts).
 */
export function api(base, partner, lang) {
  // Always the language: the site answers in the one the URL asks for, never the browser's.
  const query = `partner=${encodeURIComponent(partner)}&lang=${encodeURIComponent(lang)}`;
  /** @param {string} path */
  const withPartner = (path) => `${base}/api/v1${path}${path.includes("?") ? "&" : "?"}${query}`;

  /**
   * The parsed JSON of a successful response; rejects with an ApiError otherwise.
   * @template T
   * @param {string} path
   * @param {RequestInit} [options]
   * @returns {Promise<T>}
   */
  async function call(path, options) {
    let response;
    try {
      response = await fetch(withPartner(path), {
        credentials: "omit",
        mode: "cors",
        headers: { Accept: "application/json", ...(options && options.body ? { "Content-Type": "application/json" } : {}) },
        ...options,
      });
    } catch (_) {
      throw new ApiError(0, null);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  return {
    /** @type {(slug: string) => Promise<Campaign>} */
    campaign: (slug) => call(`/campaigns/${encodeURIComponent(slug)}`),
    /** @type {(postcode: string) => Promise<Lookup>} */
    representatives: (postcode) => call(`/representatives?postcode=${encodeURIComponent(postcode)}`),
    /** @type {(slug: string, postcode: string, constituency: string) => Promise<Offer>} */
    targets: (slug, postcode, constituency) =>
      call(
        `/campaigns/${encodeURIComponent(slug)}/targets?postcode=${encodeURIComponent(postcode)}` +
          (constituency ? `&constituency=${encodeURIComponent(constituency)}` : ""),
      ),
    /** @type {(slug: string, letter: Letter) => Promise<{ status: string }>} */
    submit: (slug, letter) =>
      call(`/campaigns/${encodeURIComponent(slug)}/messages`, { method: "POST", body: JSON.stringify(letter) }),
  };
}
