// How the tests point Google's Node client (@google-cloud/storage 7, google-auth-library 9) at
// tests/testing/gcs_fake.mjs, for the two things the client does not let a caller configure:
// - gtoken sends a service account's JWT to https://www.googleapis.com/oauth2/v4/token whatever
//   the key file's token_uri says: that one URL is redirected to the fake's /token (the request
//   and the JWT's audience stay as the client makes them);
// - resumable uploads to a custom endpoint are started without credentials (the client takes
//   any such endpoint for an emulator): the bearer token set with setSessionToken is added to
//   the request that starts the session. Chunks go to the session URI without one, as in Cloud
//   Storage.
import { Gaxios } from "gaxios";

const GOOGLE_TOKEN_URL = "https://www.googleapis.com/oauth2/v4/token";
let sessionToken = null;

export function setSessionToken(token) {
  sessionToken = token;
}

export function pointGoogleClientsAt(base) {
  const originalRequest = Gaxios.prototype.request;
  Gaxios.prototype.request = function (options = {}) {
    if (String(options.url) === GOOGLE_TOKEN_URL) options = { ...options, url: `${base}/token` };
    const url = String(options.url);
    const resumable =
      url.includes("uploadType=resumable") || (options.params || {}).uploadType === "resumable";
    if (sessionToken && url.startsWith(`${base}/upload/`) && resumable && options.method === "POST" &&
        !(options.headers || {}).Authorization) {
      options = { ...options, headers: { ...options.headers, Authorization: `Bearer ${sessionToken}` } };
    }
    return originalRequest.call(this, options);
  };
}
