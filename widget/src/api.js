// The JSON API, called cross-origin without credentials: no cookies either way.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error.code : "network";
    this.fields = (body && body.error && body.error.fields) || {};
    this.choices = body && body.error ? body.error.choices : undefined;
  }
}

export function api(base, partner) {
  const withPartner = (path) =>
    `${base}/api/v1${path}${path.includes("?") ? "&" : "?"}partner=${encodeURIComponent(partner)}`;

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
    campaign: (slug) => call(`/campaigns/${encodeURIComponent(slug)}`),
    representatives: (postcode) => call(`/representatives?postcode=${encodeURIComponent(postcode)}`),
    submit: (slug, letter) =>
      call(`/campaigns/${encodeURIComponent(slug)}/messages`, { method: "POST", body: JSON.stringify(letter) }),
  };
}
