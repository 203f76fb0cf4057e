-- 032_oidc_logins.sql - single sign-on attempts in flight (issue 15): the
-- provider's redirect back is cross-site, so what a sign-in must check on
-- its return lives here, keyed by the SHA-256 of its state: the nonce the
-- ID token must carry, the PKCE verifier, where to go after, when it
-- expires and when it was used (a state is good once).
CREATE TABLE oidc_logins (
    state_hash  text PRIMARY KEY,
    nonce       text NOT NULL,
    verifier    text NOT NULL,
    next_path   text NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX oidc_logins_expires_at ON oidc_logins (expires_at);
