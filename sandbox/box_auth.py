"""Box's JWT authentication, as the sandbox checks it: the generated Box-config.json (an RSA key pair, the private
key encrypted with a passphrase), the token endpoint that verifies an assertion (RS256 signature, kid, aud, iss,
exp at most 60 s ahead, a unique jti, the subject an enterprise or one of its users) and the Bearer token and
As-User header every other call must carry (As-User only on an admin's token: the service account's). BoxApp takes the routes from BoxAuthRoutes.
"""
import json
import os
import time
import uuid

from sandbox.box_state import SERVICE_ACCOUNT, BoxError

AUD = "https://api.box.com/oauth2/token"


def make_box_config(path, enterprise_id="1234567"):
    """A Box-config.json with a fresh RSA key pair (private key encrypted with a passphrase); returns the public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    passphrase = uuid.uuid4().hex
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(passphrase.encode())).decode()
    doc = {"boxAppSettings": {"clientID": "sandboxclient" + uuid.uuid4().hex[:8],
                              "clientSecret": "sandbox-box-secret-" + uuid.uuid4().hex[:8],
                              "appAuth": {"publicKeyID": "sbx" + uuid.uuid4().hex[:6], "privateKey": pem,
                                          "passphrase": passphrase}},
           "enterpriseID": enterprise_id}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    return doc, key.public_key()



class BoxAuthRoutes(object):
    """POST /oauth2/token and the check of every other request; uses the app's ``config``, ``public_key``,
    ``state`` and ``json``."""

    def token(self, req):
        import jwt
        form = req.form
        app = self.config["boxAppSettings"]

        def oauth_error(error, description, status=400):
            return self.json({"error": error, "error_description": description}, status)

        with self.state.lock:
            if self.state.token_errors:
                error, description = self.state.token_errors.pop(0)
                return oauth_error(error, description)
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return oauth_error("unsupported_grant_type", "Only JWT is supported by this sandbox")
        if form.get("client_id") != app["clientID"] or form.get("client_secret") != app["clientSecret"]:
            return oauth_error("invalid_client", "The client credentials are invalid")
        assertion = form.get("assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            return oauth_error("invalid_grant", "Invalid JWT assertion")
        if header.get("kid") and header["kid"] != app["appAuth"]["publicKeyID"]:
            return oauth_error("invalid_grant", "Please check the 'kid' header. No public key with that id.")
        try:
            claims = jwt.decode(assertion, self.public_key, algorithms=["RS256", "RS384", "RS512"], audience=AUD,
                                options={"require": ["exp", "jti", "iss", "sub", "aud"]})
        except jwt.ExpiredSignatureError:
            return oauth_error("invalid_grant", "Please check the 'exp' claim.")
        except jwt.InvalidSignatureError:
            return oauth_error("invalid_grant", "Signature verification error. The public key identified by the "
                                                "'kid' must correspond to the private key used for signing.")
        except jwt.InvalidAudienceError:
            return oauth_error("invalid_grant", "Please check the 'aud' claim.")
        except jwt.InvalidTokenError as exc:
            return oauth_error("invalid_grant", "Invalid JWT assertion: {}".format(exc))
        if claims["exp"] > time.time() + 60:
            return oauth_error("invalid_grant", "The 'exp' value exceeds the maximum value of 60 seconds beyond the "
                                                "issue time.")
        if claims["iss"] != app["clientID"]:
            return oauth_error("invalid_grant", "Please check the 'iss' claim.")
        jti = str(claims["jti"])
        if not 16 <= len(jti) <= 128:
            return oauth_error("invalid_grant", "Please check the 'jti' claim. It must be 16 to 128 characters.")
        sub_type = claims.get("box_sub_type")
        if sub_type not in ("enterprise", "user") or \
                (sub_type == "enterprise" and claims["sub"] != self.config["enterpriseID"]) or \
                (sub_type == "user" and str(claims["sub"]) not in self.state.users) or \
                not str(claims["sub"]).isdigit():
            return oauth_error("invalid_grant", "Please check the 'sub' claim. The 'sub' specified is invalid.")
        with self.state.lock:
            if jti in self.state.jtis:
                return oauth_error("invalid_grant", "Please check the 'jti' claim. A unique 'jti' value is required.")
            self.state.jtis.add(jti)
            token = uuid.uuid4().hex
            self.state.tokens[token] = time.time() + 3600
            if sub_type == "user":
                self.state.token_users[token] = str(claims["sub"])
        return self.json({"access_token": token, "expires_in": 3600, "token_type": "bearer", "restricted_to": []})

    def authorise(self, req):
        header = req.headers.get("Authorization", "")
        token = header.split(" ", 1)[1] if " " in header else None
        with self.state.lock:
            expiry = self.state.tokens.get(token)
            user = self.state.token_users.get(token, SERVICE_ACCOUNT)
            known = set(self.state.users)
            admin = user in self.state.admins
        if expiry is None or expiry < time.time():
            raise BoxError(401, "unauthorized", "Unauthorized", headers={
                "WWW-Authenticate": 'Bearer realm="Service", error="invalid_token", '
                                    'error_description="The access token provided is invalid."'})
        as_user = req.headers.get("As-User")
        if as_user is not None:
            if not admin:  # L13: "the authenticated user needs to be a user with admin permissions"
                raise BoxError(403, "access_denied_insufficient_permissions",
                               "As-User needs an admin, co-admin or service account token; {} is none".format(user))
            if as_user not in known:
                raise BoxError(403, "access_denied_insufficient_permissions",
                               "As-User names a user this enterprise does not have: {}".format(as_user))
            user = as_user
        return user
